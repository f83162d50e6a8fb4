#!/usr/bin/env bash
# Test (install): the pure model's link interface. The probe, linked with
# maptable::model alone, must get neither Asio's and Beast's settings (it
# checks those itself) nor libssl, which only the network code needs.
#
#   model_interface_test.sh PROBE_BINARY
set -euo pipefail
probe=$1

"$probe" || { echo "FAIL: the probe saw Asio or Beast through maptable::model" >&2; exit 1; }
if readelf -d "$probe" | grep -q 'NEEDED.*libssl'; then
  echo "FAIL: linking maptable::model alone pulls in libssl" >&2
  readelf -d "$probe" | grep NEEDED >&2
  exit 1
fi
echo "1 passed, 0 failed"
