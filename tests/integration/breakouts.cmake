# Breakout groups against a real server over real sockets: a facilitator
# opens groups over HTTP, participants move to their group's room with the
# token the server mints, draw and comment, hear a broadcast, and come back
# to find each group's results as a layer in the plenary; refusals, retries
# and a restart in the middle of a round.
maptable_test(integration_breakouts SOURCES breakouts_test.cpp LIBS maptable_test_harness)
