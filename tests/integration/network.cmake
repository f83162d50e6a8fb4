# Learning networks (docs/NETWORKS.md) against a real server: the admin API
# of networks, cities, rooms, planned sessions and invitations; joins with a
# network invitation (roles by model::role_in_room, TOKEN_WRONG_NETWORK,
# revocation); the member API (home, calendar, changes); restarts; bad input.
maptable_test(integration_network SOURCES network_api_test.cpp LIBS maptable_test_harness)
maptable_test(integration_network_cli SOURCES network_cli_test.cpp LIBS maptable_test_harness)
