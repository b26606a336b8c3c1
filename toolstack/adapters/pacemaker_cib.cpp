#include "pacemaker_cib.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "../../migration/process.h"
#include "../../migration/xl_output.h"
#include "../core/error.h"

namespace cpucompat {

namespace {

std::string attr(xmlNode *n, const char *name) {
    xmlChar *v = xmlGetProp(n, reinterpret_cast<const xmlChar *>(name));
    if (!v) return "";
    std::string s(reinterpret_cast<const char *>(v));
    xmlFree(v);
    return s;
}

void find_nodes(xmlNode *n, const std::string &uname, std::vector<std::string> &ids) {
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (xmlStrcmp(n->name, reinterpret_cast<const xmlChar *>("node")) == 0 && attr(n, "uname") == uname) ids.push_back(attr(n, "id"));
        find_nodes(n->children, uname, ids);
    }
}

// Why a cibadmin call failed, in a few words.
std::string failure(const ProcessResult &r) {
    if (r.timed_out) return "timed out";
    const std::string said = first_line(r.err);
    return said.empty() ? "failed" : said;
}

}  // namespace

std::string cib_node_id(const std::string &nodes_xml, const std::string &uname) {
    // No network, no entities from outside, no error output of libxml2's own.
    const std::unique_ptr<xmlDoc, void (*)(xmlDoc *)> doc(
        xmlReadMemory(nodes_xml.data(), static_cast<int>(nodes_xml.size()), "cib-nodes.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
        xmlFreeDoc);
    if (!doc) throw Error("cibadmin --query --scope nodes: its output is not XML");
    std::vector<std::string> ids;
    find_nodes(xmlDocGetRootElement(doc.get()), uname, ids);
    if (ids.empty()) throw Error("node " + uname + " is not in the cluster configuration (cibadmin --query --scope nodes)");
    if (ids.size() > 1) throw Error("node " + uname + " is in the cluster configuration " + std::to_string(ids.size()) + " times");
    if (ids[0].empty()) throw Error("node " + uname + " has no id in the cluster configuration");
    return ids[0];
}

void store_node_attributes(const std::string &uname, const std::vector<NodeAttribute> &attributes) {
    const ProcessResult q = run_captured({"cibadmin", "--query", "--scope", "nodes"}, 60);
    if (q.status != 0)
        throw Error("cibadmin --query --scope nodes: " + failure(q));
    const std::string xml = node_attributes_xml(cib_node_id(q.out, uname), uname, attributes);
    const ProcessResult m = run_captured({"cibadmin", "--modify", "--allow-create", "--scope", "nodes", "--xml-text", xml}, 60);
    if (m.status != 0)
        throw Error("cibadmin --modify --scope nodes (node " + uname + ", " + std::to_string(attributes.size()) + " attributes): " +
                    failure(m) + "; nothing stored");
}

}  // namespace cpucompat
