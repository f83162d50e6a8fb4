# Study trips (docs/ATTACHMENTS.md, field.proto): photos on features and
# comments through a real server (uploaded over HTTP, named over the
# WebSocket, 410 once nothing shows them, also after a restart), and the
# itinerary's rules. Included by CMakeLists.txt when present.
maptable_test(integration_field SOURCES field_attachments_test.cpp field_itinerary_test.cpp
  LIBS maptable_test_harness maptable::media maptable_media_test_images)
