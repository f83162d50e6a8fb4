// Test probe (install): built with maptable::model alone, it reports what
// the model's link interface handed it. The pure model needs protobuf and
// Boost.JSON; Asio's and Beast's build settings and OpenSSL's libssl must
// not reach its users (model_interface_test.sh checks the binary too).
#include "model/geojson.hpp"

#include <iostream>

int main()
{
    int leaks = 0;
#if defined(BOOST_ASIO_SEPARATE_COMPILATION) || defined(BOOST_BEAST_SEPARATE_COMPILATION)
    std::cout << "leak: Asio/Beast compile definitions from maptable::model\n";
    ++leaks;
#endif
    const maptable::model::room_state state("probe");
    std::cout << maptable::model::to_geojson(state) << "\n";
    return leaks == 0 ? 0 : 1;
}
