# The PostgreSQL store against a real PostgreSQL the test starts itself
# (initdb in a temp dir, pg_ctl on a free port; tests/unit/store/postgres_server.hpp).
# Included from tests/integration/CMakeLists.txt.
maptable_test(integration_postgres SOURCES postgres_store_test.cpp LIBS maptable_test_harness)
target_include_directories(integration_postgres PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/store)

# Room ownership across nodes: two servers on one PostgreSQL (leases, the
# Redirect, takeover after kill -9, fencing of a stale owner).
maptable_test(integration_lease SOURCES lease_test.cpp LIBS maptable_test_harness)
target_include_directories(integration_lease PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/store)
