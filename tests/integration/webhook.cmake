# Webhooks (docs/WEBHOOKS.md): a real receiver process (webhook_receiver.py)
# that accepts, fails, hangs and recovers; the server killed mid-delivery.
# Included by CMakeLists.txt when present.
add_library(maptable_webhook_harness STATIC webhook_receiver_process.cpp)
target_link_libraries(maptable_webhook_harness PUBLIC maptable_test_harness OpenSSL::Crypto)
target_compile_definitions(maptable_webhook_harness PRIVATE MAPTABLE_PYTHON="${MAPTABLE_DEBIAN_PYTHON}"
  MAPTABLE_WEBHOOK_RECEIVER_PY="${CMAKE_CURRENT_SOURCE_DIR}/webhook_receiver.py")
maptable_test(integration_webhook_delivery SOURCES webhook_delivery_test.cpp LIBS maptable_webhook_harness)
maptable_test(integration_webhook_faults SOURCES webhook_faults_test.cpp LIBS maptable_webhook_harness)
set_tests_properties(integration_webhook_faults PROPERTIES LABELS "fault")
maptable_test(integration_webhook_admin SOURCES webhook_admin_test.cpp LIBS maptable_webhook_harness)
maptable_test(integration_webhook_presence SOURCES webhook_presence_test.cpp LIBS maptable_webhook_harness)
