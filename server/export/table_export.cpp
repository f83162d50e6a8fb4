// (placeholder: to be written)
#include "export/table_export.hpp"
