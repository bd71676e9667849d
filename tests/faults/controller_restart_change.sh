#!/bin/bash
# A change made on the controller after it restarted reaches a member that kept running (in its stored
# config), at the member's next config refresh (60 s after its last config, as stock members ask; the
# restarted controller has no record of who is online, so it pushes to no one). Label "bench" for its
# minute. It failed before the restarted controller (the planet's root) tried the address its peer cache
# remembers for a member it must answer: it held the answers for want of a confirmed path and a relay.
# The fast regression tests are test_vl1_node's test_restarted_root_*.
. "$(dirname "$0")/lib.sh"
cd "$T"
start_controller
make_network change 10.87.0.0/24
member a
node a -- sleep 1000
joined_ip a >/dev/null
stop_controller
start_controller
before=$(md5sum <a/networks.d/$NW.conf)
curl -sf -H "X-ZT1-Auth: $(cat ctl/authtoken.secret)" -X POST "http://127.0.0.1:$CPORT/controller/network/$NW" \
	-d '{"routes":[{"target":"10.87.0.0/24","via":null},{"target":"10.88.0.0/16","via":"10.87.0.1"}]}' >/dev/null ||
	fail "route change refused"
changed=$SECONDS
conf_changed() { [ "$(md5sum <a/networks.d/$NW.conf)" != "$before" ]; }
wait_for 90 "the change to reach the running member" conf_changed
echo "PASS the change reached the member $((SECONDS - changed)) s after it was made on the restarted controller"
