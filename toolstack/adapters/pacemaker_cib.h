// Pacemaker's CIB, read and written through its own tools (cibadmin), for
// `cpucompat pacemaker attributes --apply` and for the pool as the cluster
// configures it (`cpucompat pool`, `pacemaker pool-level`). An adapter: it runs processes;
// what it stores is built by migration/placement.h.
#pragma once

#include <string>
#include <vector>

#include "../../migration/placement.h"

namespace cpucompat {

// The id of the node named `uname` in a CIB <nodes> section as `cibadmin
// --query --scope nodes` prints it (libxml2 parses it). Throws Error when
// the text is not XML, or no node, or more than one, has that name.
std::string cib_node_id(const std::string &nodes_xml, const std::string &uname);

// Every cluster node of a <nodes> section (`cibadmin --query --scope nodes`),
// in document order, with the value of its permanent attribute `name` (an
// <nvpair> of the node's <instance_attributes>, as crm_attribute --type
// nodes writes it). Pacemaker Remote and ping nodes are not Xen hosts and
// are left out. Throws Error when the text is not XML or has no <nodes>,
// a node has no uname or is there twice, or the attribute is set twice on
// one node with different values: the configuration is refused, not read
// in part.
std::vector<CibNodeValue> cib_node_values(const std::string &nodes_xml, const std::string &name);

// The pool as the cluster configures it, from that text: every node by its
// kMaxAttribute (cluster_pool_hosts()). Throws Error as both do.
std::vector<PoolHost> cib_pool_hosts(const std::string &nodes_xml);

// This node's name as the cluster knows it (`crm_node -n`). Throws Error
// that says to give --node NAME.
std::string cluster_node_name();

// `cibadmin --query --scope nodes` (honouring CIB_file). Throws Error.
std::string query_cib_nodes();

// Stores `attributes` as permanent node attributes of cluster node `uname`
// in one CIB update (node_attributes_xml(), cibadmin --modify), after one
// query for its node id: two processes, however many attributes. Honours
// CIB_file as Pacemaker's tools do. Throws Error naming the step that failed;
// a failed update stores nothing (the CIB applies it whole or not at all).
void store_node_attributes(const std::string &uname, const std::vector<NodeAttribute> &attributes);

}  // namespace cpucompat
