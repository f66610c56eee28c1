#!/bin/bash
# ovsdb-ports.sh again with every ovs-client monitoring only its own rows
# (xkovs_monitor_own(), as a launch does): name clashes, adoption of our
# own port, fake bridges, removal, refusal of foreign ports, list-owned
# (whole tables, fetched for the call) and the OVN wait all still work.
OVS_CLIENT_OPTS=-N exec bash "$(dirname "$0")/ovsdb-ports.sh"
