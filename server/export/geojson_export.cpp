// (placeholder: to be written)
#include "export/geojson_export.hpp"
