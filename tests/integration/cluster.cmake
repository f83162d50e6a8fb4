# Several nodes on one PostgreSQL store, and the pieces that run them: the
# config file, `check --store`. Each suite starts its own PostgreSQL (initdb
# in a temp dir; tests/unit/store/postgres_server.hpp) and its nodes on free
# loopback ports, and skips when PostgreSQL's binaries are not installed.
# Included from tests/integration/CMakeLists.txt.
add_library(maptable_cluster_harness STATIC cluster_harness.cpp)
target_link_libraries(maptable_cluster_harness PUBLIC maptable_test_harness maptable::model)
target_include_directories(maptable_cluster_harness PUBLIC ${PROJECT_SOURCE_DIR}/tests/unit/store)

# A server started with --config listens where the file says.
maptable_test(integration_config_file SOURCES cluster_config_test.cpp LIBS maptable_cluster_harness)
# `maptable-server check --store postgresql://…`.
maptable_test(integration_check_postgres SOURCES cluster_check_test.cpp LIBS maptable_cluster_harness)

# The multi-node suites: three (or two) nodes on loopback with short leases.
# Event-driven waits only; each suite also runs `check --store` at its end.
maptable_test(integration_cluster_convergence SOURCES cluster_convergence_test.cpp LIBS maptable_cluster_harness)
maptable_test(integration_cluster_failover SOURCES cluster_failover_test.cpp LIBS maptable_cluster_harness)
maptable_test(integration_cluster_lease_race SOURCES cluster_lease_race_test.cpp LIBS maptable_cluster_harness)
maptable_test(integration_cluster_store_restart SOURCES cluster_store_restart_test.cpp LIBS maptable_cluster_harness)
set_tests_properties(integration_cluster_convergence integration_cluster_failover integration_cluster_lease_race
  integration_cluster_store_restart PROPERTIES LABELS "cluster" TIMEOUT 300)
