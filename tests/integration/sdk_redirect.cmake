# The C++ SDK following a Redirect to the room's owner and a 4001 "room
# moved" close: against a real server and a stand-in for the node that does
# not own the room, and against two real nodes on one PostgreSQL. Included
# from tests/integration/CMakeLists.txt.
maptable_test(integration_sdk_redirect SOURCES sdk_redirect_test.cpp LIBS maptable_test_harness)
# Two real nodes on one PostgreSQL the test starts (tests/unit/store/postgres_server.hpp).
target_include_directories(integration_sdk_redirect PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/store)
