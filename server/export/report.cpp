// (placeholder: to be written)
#include "export/report.hpp"
