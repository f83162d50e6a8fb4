# The network harvest over HTTP against a real server: a network of three
# cities written into the server's store, real clients drawing, chatting and
# voting, and the report's figures compared with what they did; who may
# download it and the refusals of bad requests.
maptable_test(integration_harvest SOURCES harvest_test.cpp LIBS maptable_test_harness maptable::model)
