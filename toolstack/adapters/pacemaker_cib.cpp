#include "pacemaker_cib.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

#include "../../migration/process.h"
#include "../../migration/xl_output.h"
#include "../core/error.h"
#include "../core/text.h"

namespace cpucompat {

namespace {

std::string attr(xmlNode *n, const char *name) {
    xmlChar *v = xmlGetProp(n, reinterpret_cast<const xmlChar *>(name));
    if (!v) return "";
    std::string s(reinterpret_cast<const char *>(v));
    xmlFree(v);
    return s;
}

bool named(xmlNode *n, const char *name) {
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, reinterpret_cast<const xmlChar *>(name)) == 0;
}

// Every <node> element named `uname`, wherever it is.
void find_node_elements(xmlNode *n, const std::string &uname, std::vector<xmlNode *> &found) {
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        if (named(n, "node") && attr(n, "uname") == uname) found.push_back(n);
        find_node_elements(n->children, uname, found);
    }
}

xmlNode *find_element(xmlNode *n, const char *name) {
    for (; n; n = n->next) {
        if (named(n, name)) return n;
        if (n->type == XML_ELEMENT_NODE)
            if (xmlNode *found = find_element(n->children, name)) return found;
    }
    return nullptr;
}

using XmlDoc = std::unique_ptr<xmlDoc, void (*)(xmlDoc *)>;

// No network, no entities from outside, no error output of libxml2's own.
XmlDoc parse_cib_text(const std::string &xml) {
    XmlDoc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "cib-nodes.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
               xmlFreeDoc);
    if (!doc) throw Error("cibadmin --query --scope nodes: its output is not XML");
    return doc;
}

// The one <node> element named `uname` in `doc`. Throws Error when there is
// none or more than one: a node's id and attributes are read from it alone.
xmlNode *the_node_element(const XmlDoc &doc, const std::string &uname) {
    std::vector<xmlNode *> found;
    find_node_elements(xmlDocGetRootElement(doc.get()), uname, found);
    if (found.empty()) throw Error("node " + uname + " is not in the cluster configuration (cibadmin --query --scope nodes)");
    if (found.size() > 1) throw Error("node " + uname + " is in the cluster configuration " + std::to_string(found.size()) + " times");
    return found[0];
}

// Why a cibadmin call failed, in a few words.
std::string failure(const ProcessResult &r) {
    if (r.timed_out) return "timed out";
    const std::string said = first_line(r.err);
    return said.empty() ? "failed" : said;
}

}  // namespace

std::string cib_node_id(const std::string &nodes_xml, const std::string &uname) {
    const XmlDoc doc = parse_cib_text(nodes_xml);
    const std::string id = attr(the_node_element(doc, uname), "id");
    if (id.empty()) throw Error("node " + uname + " has no id in the cluster configuration");
    return id;
}

std::map<std::string, std::string> cib_node_attributes(const std::string &nodes_xml, const std::string &uname) {
    const XmlDoc doc = parse_cib_text(nodes_xml);
    std::map<std::string, std::string> out;
    for (xmlNode *ia = the_node_element(doc, uname)->children; ia; ia = ia->next) {
        if (!named(ia, "instance_attributes")) continue;
        for (xmlNode *nv = ia->children; nv; nv = nv->next) {
            if (!named(nv, "nvpair")) continue;
            const std::string name = attr(nv, "name"), value = attr(nv, "value");
            const auto [it, fresh] = out.emplace(name, value);
            if (!fresh && it->second != value)
                throw Error("node " + quote_text(uname) + " has attribute " + name + " twice, with different values");
        }
    }
    return out;
}

std::vector<CibNodeValue> cib_node_values(const std::string &nodes_xml, const std::string &name) {
    const XmlDoc doc = parse_cib_text(nodes_xml);
    xmlNode *nodes = find_element(xmlDocGetRootElement(doc.get()), "nodes");
    if (!nodes) throw Error("cibadmin --query --scope nodes: no <nodes> in its output");
    std::vector<CibNodeValue> out;
    for (xmlNode *n = nodes->children; n; n = n->next) {
        if (!named(n, "node")) continue;
        const std::string type = attr(n, "type");
        if (type == "remote" || type == "ping") continue;
        CibNodeValue v{attr(n, "uname"), std::nullopt};
        if (v.uname.empty()) throw Error("the cluster configuration has a node without a name (id " + quote_text(attr(n, "id")) + ")");
        for (const auto &seen : out)
            if (seen.uname == v.uname) throw Error("node " + quote_text(v.uname) + " is in the cluster configuration twice");
        for (xmlNode *ia = n->children; ia; ia = ia->next) {
            if (!named(ia, "instance_attributes")) continue;
            for (xmlNode *nv = ia->children; nv; nv = nv->next) {
                if (!named(nv, "nvpair") || attr(nv, "name") != name) continue;
                const std::string value = attr(nv, "value");
                if (v.value && *v.value != value)
                    throw Error("node " + quote_text(v.uname) + " has attribute " + name + " twice, with different values");
                v.value = value;
            }
        }
        out.push_back(std::move(v));
    }
    return out;
}

std::vector<PoolHost> cib_pool_hosts(const std::string &nodes_xml) { return cluster_pool_hosts(cib_node_values(nodes_xml, kMaxAttribute)); }

std::string cluster_node_name() {
    const ProcessResult r = run_captured({"crm_node", "-n"}, 30);
    std::string name = r.out.substr(0, r.out.find('\n'));
    if (r.status != 0 || name.empty())
        throw Error("crm_node -n: cannot tell this node's cluster name (" + (r.err.empty() ? "no output" : r.err.substr(0, r.err.find('\n'))) +
                    "); give --node NAME");
    return name;
}

std::string query_cib_nodes() {
    const ProcessResult q = run_captured({"cibadmin", "--query", "--scope", "nodes"}, 60);
    if (q.status != 0) throw Error("cibadmin --query --scope nodes: " + failure(q));
    return q.out;
}

std::vector<NodeAttribute> store_node_attributes(const std::string &uname, const std::vector<NodeAttribute> &attributes) {
    const std::string nodes = query_cib_nodes();
    const std::string id = cib_node_id(nodes, uname);
    const std::vector<NodeAttribute> changed = attributes_to_store(attributes, cib_node_attributes(nodes, uname));
    if (changed.empty()) return changed;
    const std::string xml = node_attributes_xml(id, uname, changed);
    const ProcessResult m = run_captured({"cibadmin", "--modify", "--allow-create", "--scope", "nodes", "--xml-text", xml}, 60);
    if (m.status != 0)
        throw Error("cibadmin --modify --scope nodes (node " + uname + ", " + std::to_string(changed.size()) + " attributes): " +
                    failure(m) + "; nothing stored");
    return changed;
}

}  // namespace cpucompat
