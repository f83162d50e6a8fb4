# Reference layers against a real server: each format uploaded with a join
# token and seen by a joined client and after a restart; malformed and
# oversized files refused with the parser's reason and nothing stored; roles
# and tokens; rename, recolour, remove and copy; the GeoJSON export.
maptable_test(integration_layers SOURCES layers_test.cpp LIBS maptable_test_harness)
