# Attachments (photos and PDFs) over HTTP against a real server: uploads under
# the rules of a Join, content sniffing, limits, idempotent retries, serving
# the stripped bytes, restarts and deletion. The test pictures are made with
# libvips by the media unit suite's helper. On PostgreSQL (started by the
# test), two nodes serve each other's uploads.
maptable_test(integration_attachment SOURCES attachment_routes_test.cpp
  LIBS maptable_test_harness maptable::media maptable_media_test_images)
target_include_directories(integration_attachment PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit/store)
