#include "export/lon_lat_json.hpp"

namespace maptable::exports {

boost::json::object lon_lat_json(double lon, double lat)
{
    return boost::json::object{{"lon", lon}, {"lat", lat}};
}

boost::json::object lon_lat_json(const maptable::v1::LonLat& p)
{
    return lon_lat_json(p.lon(), p.lat());
}

} // namespace maptable::exports
