// Pacemaker's CIB, read and written through its own tools (cibadmin), for
// `cpucompat pacemaker attributes --apply` and for the pool as the cluster
// configures it (`cpucompat pool`, `pacemaker pool-level`). An adapter: it runs processes;
// what it stores is built by migration/placement.h.
#pragma once

#include <map>
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

// The permanent attributes of node `uname` in that text, by name. Throws
// Error as cib_node_id() and cib_node_values() do (not XML, the node not
// there or there twice, an attribute set twice with different values).
std::map<std::string, std::string> cib_node_attributes(const std::string &nodes_xml, const std::string &uname);

// The pool as the cluster configures it, from that text: every node by its
// kMaxAttribute (cluster_pool_hosts()). Throws Error as both do.
std::vector<PoolHost> cib_pool_hosts(const std::string &nodes_xml);

// This node's name as the cluster knows it (`crm_node -n`). Throws Error
// that says to give --node NAME.
std::string cluster_node_name();

// `cibadmin --query --scope nodes` (honouring CIB_file). Throws Error.
std::string query_cib_nodes();

// Stores `attributes` as permanent node attributes of cluster node `uname`:
// one query for its node id and what it holds, then, for what differs
// (attributes_to_store()), one CIB update (node_attributes_xml(), cibadmin
// --modify). Returns what was written: empty when the node's publication was
// current, and then no update is sent (a monitor republishes at every run:
// one query when nothing changed). Honours CIB_file as
// Pacemaker's tools do. Throws Error naming the step that failed; a failed
// update stores nothing (the CIB applies it whole or not at all).
std::vector<NodeAttribute> store_node_attributes(const std::string &uname, const std::vector<NodeAttribute> &attributes);

}  // namespace cpucompat
