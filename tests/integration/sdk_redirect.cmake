# The C++ SDK following a Redirect to the room's owner and a 4001 "room
# moved" close, against a real server and a stand-in for the node that does
# not own the room. Included from tests/integration/CMakeLists.txt.
maptable_test(integration_sdk_redirect SOURCES sdk_redirect_test.cpp LIBS maptable_test_harness)
