// Placement on Pacemaker (migration/placement.h): the node attributes, the
// location rules, and then real Pacemaker: the attributes stored by
// `cpucompat pacemaker attributes --apply` (one cibadmin update) and the rules by
// cibadmin in a CIB file, checked by crm_verify and placed by Pacemaker's own
// scheduler (crm_simulate), offline: no cluster runs here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "../../migration/placement.h"
#include "../../migration/process.h"
#include "../../toolstack/adapters/pacemaker_cib.h"
#include "../../toolstack/core/guest.h"
#include "../../toolstack/import/domain_record.h"
#include "../../toolstack/import/guest_table.h"
#include "helpers.h"

using namespace cpucompat;

namespace {

std::map<std::string, std::string> by_name(const std::vector<NodeAttribute> &as) {
    std::map<std::string, std::string> out;
    for (const auto &a : as) CHECK(out.emplace(a.name, a.value).second);  // no name twice
    return out;
}

NodeCpu node_from(const std::string &fixture) {
    const Policy p = testing::load(fixture, "max");
    return NodeCpu{p, p, p};
}

}  // namespace

TEST_CASE("placement: the floor attribute of each mode") {
    struct Row { const char *mode; GuestType guest; const char *attribute; };
    const Row rows[] = {
        {"off", GuestType::hvm, ""},
        {"pool", GuestType::pv, ""},
        {"vendor", GuestType::hvm, "cpucompat-floor-hvm-vendor"},
        {"vendor", GuestType::pv, "cpucompat-floor-pv-vendor"},
        {"hyperv-r2", GuestType::hvm, "cpucompat-floor-hvm-hyperv-r2"},
        {"level:x86-64-v2", GuestType::hvm, "cpucompat-floor-hvm-level-x86-64-v2"},
        {"level:broadwell", GuestType::pv, "cpucompat-floor-pv-level-broadwell"},
    };
    for (const Row &r : rows) {
        INFO(r.mode);
        CHECK(floor_attribute(parse_mode(r.mode), r.guest) == r.attribute);
    }
    CHECK_THROWS_WITH(floor_attribute(parse_mode("file:/etc/xen/mine.yaml"), GuestType::hvm),
                      Catch::Contains("a file mode has no floor the cluster can know"));
}

TEST_CASE("placement: what a node publishes, from real CPUs") {
    const TemplateLibrary &lib = testing::baselines();
    // What these CPUs are: Zen 3 has no AVX-512, Skylake-SP has it; QEMU's
    // TCG EPYC lacks misalignsse and 3dnowprefetch, below the AMD floor; a
    // template of one vendor is no floor for the other's CPUs.
    struct Row { const char *fixture, *attribute, *value; };
    const Row rows[] = {
        {"xen-cpuid-p-milan.txt", "cpucompat-vendor", "AuthenticAMD"},
        {"xen-cpuid-p-milan.txt", "cpucompat-floor-hvm-vendor", "yes"},
        {"xen-cpuid-p-milan.txt", "cpucompat-floor-hvm-level-x86-64-v3", "yes"},
        {"xen-cpuid-p-milan.txt", "cpucompat-floor-hvm-level-x86-64-v4", "no"},
        {"xen-cpuid-p-milan.txt", "cpucompat-floor-pv-level-broadwell", "no"},
        {"xen-cpuid-p-qemu-epyc.txt", "cpucompat-floor-hvm-vendor", "no"},
        {"xen-cpuid-p-qemu-epyc.txt", "cpucompat-floor-hvm-level-x86-64-v2", "yes"},
        {"instlat-skylake-server.txt", "cpucompat-vendor", "GenuineIntel"},
        {"instlat-skylake-server.txt", "cpucompat-floor-hvm-level-x86-64-v4", "yes"},
        {"instlat-skylake-server.txt", "cpucompat-floor-pv-level-x86-64-v4", "yes"},
        {"instlat-skylake-server.txt", "cpucompat-floor-hvm-level-broadwell", "yes"},
        {"instlat-conroe.txt", "cpucompat-floor-hvm-level-x86-64-v2", "no"},  // no SSE4.2, no POPCNT
        {"instlat-conroe.txt", "cpucompat-floor-hvm-level-x86-64-v1", "yes"},
    };
    for (const Row &r : rows) {
        INFO(r.fixture << " " << r.attribute);
        const auto got = by_name(node_attributes(node_from(r.fixture), lib));
        REQUIRE(got.count(r.attribute));
        CHECK(got.at(r.attribute) == r.value);
    }
    // Every mode with a floor, once per guest type, plus vendor and fingerprint.
    const NodeCpu milan = node_from("xen-cpuid-p-milan.txt");
    const std::vector<NodeAttribute> all = node_attributes(milan, lib);
    CHECK(all.size() == 3 + 2 * (2 + lib.size()));
    CHECK(by_name(all).at("cpucompat-fingerprint") == policy_hash(milan.host));
    // The max policy itself, one line, read back whole: what the pool's
    // level is made of (cluster_pool_hosts).
    const std::string max = by_name(all).at(kMaxAttribute);
    CHECK(max.find('\n') == std::string::npos);
    const std::vector<PoolHost> back = cluster_pool_hosts({{"amd1", max}});
    REQUIRE(back.size() == 1);
    CHECK(back[0].name == "amd1");
    CHECK(policy_hash(back[0].max) == policy_hash(milan.host));
    CHECK(back[0].max.features == milan.host.features);
    // A Xen that runs no PV guests meets no PV floor.
    NodeCpu hvm_only = milan;
    hvm_only.pv_max.reset();
    for (const auto &[name, value] : by_name(node_attributes(hvm_only, lib)))
        if (name.rfind("cpucompat-floor-pv-", 0) == 0) CHECK(value == "no");
}

namespace {
PlacedResource res(const std::string &id, const Mode &mode, GuestType type) { return {id, mode, type, "", std::nullopt}; }
}  // namespace

TEST_CASE("placement: location rules ban every node that has not said yes") {
    const std::string xml = location_constraints_xml({res("web", parse_mode("level:x86-64-v2"), GuestType::hvm),
                                                      res("dns", parse_mode("off"), GuestType::pv),
                                                      res("db_1", parse_mode("vendor"), GuestType::pv)});
    CHECK(xml.rfind("<constraints>\n", 0) == 0);
    CHECK(xml.find("<rsc_location id=\"cpucompat-floor-web\" rsc=\"web\">") != std::string::npos);
    CHECK(xml.find("attribute=\"cpucompat-floor-hvm-level-x86-64-v2\" operation=\"ne\" value=\"yes\"") != std::string::npos);
    CHECK(xml.find("attribute=\"cpucompat-floor-pv-vendor\"") != std::string::npos);
    CHECK(xml.find("rsc=\"dns\"") == std::string::npos);  // off: no floor
    CHECK(xml.find("score=\"-INFINITY\"") != std::string::npos);
    // A template name may hold what XML must escape; ids may not.
    CHECK(location_constraints_xml({res("a", Mode{Mode::Kind::level, "x<&\">y"}, GuestType::hvm)}).find("level-x&lt;&amp;&quot;&gt;y") !=
          std::string::npos);
    struct Bad { std::vector<PlacedResource> rs; const char *error; };
    const Bad bad[] = {
        {{res("9lives", parse_mode("vendor"), GuestType::hvm)}, "not a Pacemaker resource id"},
        {{res("a\"b", parse_mode("vendor"), GuestType::hvm)}, "not a Pacemaker resource id"},
        {{res("", parse_mode("vendor"), GuestType::hvm)}, "not a Pacemaker resource id"},
        {{res("web", parse_mode("vendor"), GuestType::hvm), res("web", parse_mode("off"), GuestType::hvm)}, "named twice"},
        {{res("web", parse_mode("file:/x.yaml"), GuestType::hvm)}, "a file mode has no floor"},
    };
    for (const Bad &b : bad) CHECK_THROWS_WITH(location_constraints_xml(b.rs), Catch::Contains(b.error));
}

TEST_CASE("placement: a domain naming its guest is kept off the nodes where that guest would not boot") {
    static const LoadedGuestTable table = load_guest_table(default_guest_table_path());
    const auto guest_res = [&](const char *mode, const char *guest) {
        PlacedResource r = res("g", parse_mode(mode), GuestType::pv);
        r.guest_os = guest;
        r.guest_minimum = guest_minimum(table.find(guest), table.levels, GuestType::pv);
        return r;
    };
    // Three nodes of today, a Core 2 (no SSE4.2: below x86-64-v2) and one
    // that never published.
    const std::vector<ClusterNode> nodes = {{"zen3", testing::load("xen-cpuid-p-milan.txt", "max")},
                                            {"zen1", testing::load("xen-cpuid-p-qemu-epyc.txt", "max")},
                                            {"skl", testing::load("instlat-skylake-server.txt", "max")},
                                            {"old", testing::load("instlat-conroe.txt", "max")},
                                            {"fresh", std::nullopt}};
    struct Row { PlacedResource r; const char *banned; const char *why_old; };
    const std::vector<Row> rows = {
        {res("g", parse_mode("off"), GuestType::pv), "", ""},                       // no guest named: no judgement
        {guest_res("off", "rhel-9"), "old,fresh", "guest rhel-9"},                  // its whole max: only the Core 2 lacks v2
        {guest_res("level:x86-64-v2", "rhel-9"), "old,fresh", "x86-64-v2"},         // the Core 2 is below the level itself
        {guest_res("level:x86-64-v2", "rhel-10"), "zen3,zen1,skl,old,fresh", ""},  // the level hides what v3 guests need
        {guest_res("pool", "rhel-10"), "skl,old,fresh", ""},                        // Intel's pool level is the Core 2's
        {guest_res("off", "rhel-10"), "old,fresh", ""},
    };
    for (const Row &row : rows) {
        INFO(row.r.mode.to_string() << " " << row.r.guest_os);
        std::string banned;
        for (const auto &[node, why] : guest_bans(row.r, nodes, testing::baselines())) {
            banned += (banned.empty() ? "" : ",") + node;
            if (node == "fresh") CHECK_THAT(why, Catch::Contains("has not published cpucompat-max"));
            if (node == "old" && *row.why_old) CHECK_THAT(why, Catch::Contains(row.why_old));
        }
        CHECK(banned == row.banned);
    }
    // As rules: the banned nodes by #uname; a guest banned nowhere still
    // gets its id (a rule no node matches), replacing an older one.
    const PlacedResource rh9 = [&] { PlacedResource r = guest_res("off", "rhel-9"); r.id = "rh9"; return r; }();
    const std::string xml = location_constraints_xml({rh9}, {{"rh9", {"old", "fresh"}}});
    CHECK(xml.find("rsc_location id=\"cpucompat-guest-rh9\" rsc=\"rh9\"") != std::string::npos);
    CHECK(xml.find("attribute=\"#uname\" operation=\"eq\" value=\"old\"") != std::string::npos);
    CHECK(xml.find("attribute=\"#uname\" operation=\"eq\" value=\"fresh\"") != std::string::npos);
    CHECK(xml.find("cpucompat-floor-rh9") == std::string::npos);  // off: no floor
    const std::string none = location_constraints_xml({rh9});
    CHECK(none.find("attribute=\"#uname\" operation=\"not_defined\"") != std::string::npos);
}

TEST_CASE("placement: a node's attributes as one CIB update, and its id read from the CIB") {
    const std::string xml = node_attributes_xml("2", "amd-1.lab", {{"cpucompat-vendor", "AuthenticAMD"}, {"cpucompat-x", "a<&\">b"}});
    CHECK(xml ==
          "<node id=\"2\" uname=\"amd-1.lab\">\n  <instance_attributes id=\"nodes-2\">\n"
          "    <nvpair id=\"nodes-2-cpucompat-vendor\" name=\"cpucompat-vendor\" value=\"AuthenticAMD\"/>\n"
          "    <nvpair id=\"nodes-2-cpucompat-x\" name=\"cpucompat-x\" value=\"a&lt;&amp;&quot;&gt;b\"/>\n"
          "  </instance_attributes>\n</node>\n");
    struct Bad { std::string id, uname; std::vector<NodeAttribute> as; const char *error; };
    const Bad bad[] = {
        {"", "n", {}, "not a node id"},
        {"2\"/><x", "n", {}, "not a node id"},
        {"2", "", {}, "not a node name"},
        {"2", "a b", {}, "not a node name"},
        {"2", "n", {{"bad name", "v"}}, "not a name the CIB could have"},
        {"2", "n", {{"cpucompat-vendor", "x"}, {"cpucompat-vendor", "y"}}, "given twice"},
    };
    for (const Bad &b : bad) CHECK_THROWS_WITH(node_attributes_xml(b.id, b.uname, b.as), Catch::Contains(b.error));

    const std::string nodes = "<nodes>\n  <node id=\"1\" uname=\"amd1\"/>\n  <node id=\"3\" uname=\"intel1\">"
                              "<instance_attributes id=\"nodes-3\"/></node>\n</nodes>\n";
    CHECK(cib_node_id(nodes, "amd1") == "1");
    CHECK(cib_node_id(nodes, "intel1") == "3");
    struct BadCib { std::string xml, uname; const char *error; };
    const BadCib bad_cib[] = {
        {nodes, "amd2", "not in the cluster configuration"},
        {"<nodes><node id=\"1\" uname=\"a\"/><node id=\"2\" uname=\"a\"/></nodes>", "a", "2 times"},
        {"<nodes><node uname=\"a\"/></nodes>", "a", "has no id"},
        {"<nodes><node id=\"1\" uname=\"a\">", "a", "not XML"},  // cut short
        {"", "a", "not XML"},
        // An entity from outside is not fetched: the text is refused.
        {"<!DOCTYPE nodes [<!ENTITY e SYSTEM \"file:///etc/hostname\">]><nodes><node id=\"1\" uname=\"&e;\"/></nodes>", "a",
         "not XML"},
    };
    for (const BadCib &b : bad_cib) CHECK_THROWS_WITH(cib_node_id(b.xml, b.uname), Catch::Contains(b.error));
}

TEST_CASE("placement: republishing writes only what the CIB does not already hold") {
    const std::vector<NodeAttribute> now = {{"cpucompat-vendor", "AuthenticAMD"}, {"cpucompat-fingerprint", "f2"}, {"cpucompat-floor-hvm-vendor", "yes"}};
    struct Case { const char *what; std::map<std::string, std::string> stored; std::vector<std::string> written; };
    const Case cases[] = {
        {"a node that never published: everything", {}, {"cpucompat-vendor", "cpucompat-fingerprint", "cpucompat-floor-hvm-vendor"}},
        {"current: nothing", {{"cpucompat-vendor", "AuthenticAMD"}, {"cpucompat-fingerprint", "f2"}, {"cpucompat-floor-hvm-vendor", "yes"}}, {}},
        {"after a microcode update: what changed",
         {{"cpucompat-vendor", "AuthenticAMD"}, {"cpucompat-fingerprint", "f1"}, {"cpucompat-floor-hvm-vendor", "no"}},
         {"cpucompat-fingerprint", "cpucompat-floor-hvm-vendor"}},
        {"one missing, others' and old ones left alone",
         {{"cpucompat-vendor", "AuthenticAMD"}, {"cpucompat-fingerprint", "f2"}, {"standby", "on"}, {"cpucompat-floor-hvm-gone", "yes"}},
         {"cpucompat-floor-hvm-vendor"}},
        {"a value differing only in case is a change", {{"cpucompat-vendor", "authenticamd"}, {"cpucompat-fingerprint", "f2"},
                                                        {"cpucompat-floor-hvm-vendor", "yes"}}, {"cpucompat-vendor"}},
        {"an empty stored value is a change", {{"cpucompat-vendor", ""}, {"cpucompat-fingerprint", "f2"},
                                               {"cpucompat-floor-hvm-vendor", "yes"}}, {"cpucompat-vendor"}},
    };
    for (const Case &c : cases) {
        INFO(c.what);
        std::vector<std::string> got;
        for (const NodeAttribute &a : attributes_to_store(now, c.stored)) {
            got.push_back(a.name);
            CHECK(a.value == by_name(now).at(a.name));
        }
        CHECK(got == c.written);
    }

    // What a node holds, read from the CIB: every set of its permanent
    // attributes, not its utilization, not another node's.
    const std::string nodes = "<nodes>\n"
                              "  <node id=\"1\" uname=\"amd1\"><instance_attributes id=\"nodes-1\">"
                              "<nvpair id=\"nodes-1-x\" name=\"x\" value=\"a&lt;b\"/></instance_attributes>"
                              "<instance_attributes id=\"nodes-1-b\"><nvpair id=\"nodes-1-y\" name=\"y\" value=\"2\"/>"
                              "<nvpair id=\"nodes-1-x2\" name=\"x\" value=\"a&lt;b\"/></instance_attributes>"
                              "<utilization id=\"nodes-1-u\"><nvpair id=\"u\" name=\"z\" value=\"util\"/></utilization></node>\n"
                              "  <node id=\"2\" uname=\"amd2\"><instance_attributes id=\"nodes-2\">"
                              "<nvpair id=\"nodes-2-x\" name=\"x\" value=\"other\"/></instance_attributes></node>\n"
                              "  <node id=\"3\" uname=\"fresh\"/>\n</nodes>\n";
    CHECK(cib_node_attributes(nodes, "amd1") == std::map<std::string, std::string>{{"x", "a<b"}, {"y", "2"}});
    CHECK(cib_node_attributes(nodes, "amd2") == std::map<std::string, std::string>{{"x", "other"}});
    CHECK(cib_node_attributes(nodes, "fresh").empty());
    struct BadCib { std::string xml, uname; const char *error; };
    const BadCib bad_cib[] = {
        {nodes, "amd9", "not in the cluster configuration"},
        {"<nodes><node id=\"1\" uname=\"a\"/><node id=\"2\" uname=\"a\"/></nodes>", "a", "2 times"},
        {"<nodes><node id=\"1\" uname=\"a\"><instance_attributes id=\"i\"><nvpair id=\"p\" name=\"x\" value=\"1\"/>"
         "<nvpair id=\"q\" name=\"x\" value=\"2\"/></instance_attributes></node></nodes>", "a", "twice, with different values"},
        {"<nodes><node id=\"1\" uname=\"a\">", "a", "not XML"},
    };
    for (const BadCib &b : bad_cib) CHECK_THROWS_WITH(cib_node_attributes(b.xml, b.uname), Catch::Contains(b.error));
}

TEST_CASE("placement: the pool as the cluster configures it, node by node") {
    // Every cluster node of <nodes>, in order, with its value or none;
    // Pacemaker Remote and ping nodes are no Xen hosts.
    const std::string nodes = "<nodes>\n"
                              "  <node id=\"1\" uname=\"amd1\"><instance_attributes id=\"nodes-1\">"
                              "<nvpair id=\"nodes-1-x\" name=\"x\" value=\"one\"/><nvpair id=\"nodes-1-y\" name=\"y\" value=\"no\"/>"
                              "</instance_attributes></node>\n"
                              "  <node id=\"2\" uname=\"fresh\" type=\"member\"/>\n"
                              "  <node id=\"r1\" uname=\"remote1\" type=\"remote\"><instance_attributes id=\"nodes-r1\">"
                              "<nvpair id=\"nodes-r1-x\" name=\"x\" value=\"r\"/></instance_attributes></node>\n"
                              "  <node id=\"3\" uname=\"intel1\"><utilization id=\"nodes-3-u\"><nvpair id=\"u\" name=\"x\" value=\"util\"/>"
                              "</utilization><instance_attributes id=\"nodes-3\"><nvpair id=\"nodes-3-x\" name=\"x\" value=\"a&lt;b\"/>"
                              "</instance_attributes></node>\n</nodes>\n";
    const std::vector<CibNodeValue> got = cib_node_values(nodes, "x");
    REQUIRE(got.size() == 3);
    CHECK(got[0].uname == "amd1");
    CHECK(got[0].value == std::optional<std::string>("one"));
    CHECK(got[1].uname == "fresh");
    CHECK(!got[1].value);
    CHECK(got[2].uname == "intel1");
    CHECK(got[2].value == std::optional<std::string>("a<b"));  // not the utilization's
    // A whole CIB (CIB_file) has its <nodes> inside <configuration>.
    CHECK(cib_node_values("<cib><configuration><nodes><node id=\"1\" uname=\"n\"/></nodes></configuration><status/></cib>", "x").size() == 1);
    CHECK(cib_node_values("<nodes/>", "x").empty());
    struct BadCib { std::string xml; const char *error; };
    const BadCib bad_cib[] = {
        {"<nodes><node id=\"1\"/></nodes>", "a node without a name"},
        {"<nodes><node id=\"1\" uname=\"a\"/><node id=\"2\" uname=\"a\"/></nodes>", "twice"},
        {"<nodes><node id=\"1\" uname=\"a\"><instance_attributes id=\"i\"><nvpair id=\"p\" name=\"x\" value=\"1\"/>"
         "<nvpair id=\"q\" name=\"x\" value=\"2\"/></instance_attributes></node></nodes>", "twice, with different values"},
        {"<cib><configuration/></cib>", "no <nodes>"},
        {"<nodes><node id=\"1\" uname=\"a\">", "not XML"},
        {"", "not XML"},
    };
    for (const BadCib &b : bad_cib) CHECK_THROWS_WITH(cib_node_values(b.xml, "x"), Catch::Contains(b.error));

    // The pool from those values: a node that never published, or published
    // what is not a fingerprint, is refused by name, never left out.
    const NodeCpu milan = node_from("xen-cpuid-p-milan.txt");
    const std::string max = by_name(node_attributes(milan, testing::baselines())).at(kMaxAttribute);
    struct BadPool { std::vector<CibNodeValue> nodes; const char *error; };
    const BadPool bad_pool[] = {
        {{}, "no nodes"},
        {{{"amd1", max}, {"fresh", std::nullopt}}, "node \"fresh\" has no cpucompat-max attribute"},
        {{{"amd1", max}, {"odd", std::string("{\"format\": \"cpucompat-fingerprint/1\"")}}, "node \"odd\" attribute cpucompat-max"},
        {{{"amd1", max}, {"odd", std::string("vendor=AMD")}}, "node \"odd\" attribute cpucompat-max"},
        {{{"amd1", max}, {"odd", std::string("{}\0", 3)}}, "NUL"},
        {{{"amd1", max}, {"odd", std::string("")}}, "empty"},
    };
    for (const BadPool &b : bad_pool) CHECK_THROWS_WITH(cluster_pool_hosts(b.nodes), Catch::Contains(b.error));
}

namespace {

// A command's stdout; the test fails with its stderr when it fails.
std::string must(const std::vector<std::string> &argv) {
    const ProcessResult r = run_captured(argv, 120);
    INFO(argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << r.err);
    REQUIRE(r.status == 0);
    return r.out;
}

// The nodes a resource runs on in a CIB file (crm_mon's XML: <resource
// id="R" ...> holding one <node name="N" .../> per node it runs on).
std::vector<std::string> running_on(const std::string &cib, const std::string &rsc) {
    const std::string xml = must({"env", "CIB_file=" + cib, "crm_mon", "--one-shot", "--output-as=xml"});
    std::vector<std::string> nodes;
    const auto open = xml.find("<resource id=\"" + rsc + "\"");
    if (open == std::string::npos) return nodes;
    const auto tag_end = xml.find('>', open);
    if (tag_end == std::string::npos || xml[tag_end - 1] == '/') return nodes;  // <resource .../>: on no node
    const auto close = xml.find("</resource>", open);
    const std::string inner = xml.substr(open, close == std::string::npos ? std::string::npos : close - open);
    const std::string key = "<node name=\"";
    for (auto at = inner.find(key); at != std::string::npos; at = inner.find(key, at + 1)) {
        const auto begin = at + key.size();
        nodes.push_back(inner.substr(begin, inner.find('"', begin) - begin));
    }
    return nodes;
}

}  // namespace

TEST_CASE("placement: Pacemaker's scheduler keeps domains off nodes below their floor (CIB file, crm_simulate)") {
    if (run_captured({"sh", "-c", "command -v crm_simulate && command -v cibadmin && command -v crm_attribute && command -v crm_mon"}).status != 0)
        FAIL("Pacemaker's tools are not installed (pacemaker-cli-utils; make deps installs them)");
    const std::string cli = testing::env_or("CPUCOMPAT_CLI", "build/test/cpucompat");
    testing::TempDir tmp("placement");
    const std::string cib = tmp.path + "/cib.xml", placed = tmp.path + "/placed.xml";
    {
        std::ofstream f(cib);
        f << must({"cibadmin", "--empty"});
    }
    const auto in_cib = [&](std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"env", "CIB_file=" + cib});
        return must(argv);
    };
    // Three nodes of a pool as they publish themselves, and a fourth that
    // never did (cpucompat not installed there).
    const std::vector<std::pair<std::string, std::string>> nodes = {
        {"amd1", "xen-cpuid-p-milan.txt"}, {"amd2", "xen-cpuid-p-qemu-epyc.txt"}, {"intel1", "instlat-skylake-server.txt"}, {"fresh", ""}};
    int id = 1;
    for (const auto &[name, fixture] : nodes) {
        in_cib({"cibadmin", "--create", "--scope", "nodes", "--xml-text", "<node id=\"" + std::to_string(id++) + "\" uname=\"" + name + "\"/>"});
        if (name == "amd2")  // stored before by crm_attribute: replaced, not doubled
            in_cib({"crm_attribute", "--type", "nodes", "--node", name, "--name", "cpucompat-vendor", "--update", "Stale"});
        if (!fixture.empty())
            in_cib({cli, "pacemaker", "attributes", "--fingerprint", testing::fixture(fixture), "--apply", "--node", name});
    }
    CHECK(in_cib({"crm_attribute", "--type", "nodes", "--node", "amd2", "--name", "cpucompat-vendor", "--query", "--quiet"}) ==
          "AuthenticAMD\n");
    // Applied again: nothing to write (PoolLevel's monitor republishes at
    // every run), the same attributes, each once, the CIB's epoch as it was.
    const auto epoch = [&] {
        const std::string cib_text = in_cib({"cibadmin", "--query"});  // <cib ... epoch="N" ...> first
        const auto at = cib_text.find(" epoch=\"");
        REQUIRE(at != std::string::npos);
        return std::stol(cib_text.substr(at + 8));
    };
    const std::string once = in_cib({"cibadmin", "--query", "--xpath", "//node[@uname='amd2']"});
    const long before = epoch();
    const std::string again = in_cib({cli, "--json", "pacemaker", "attributes", "--fingerprint", testing::fixture("xen-cpuid-p-qemu-epyc.txt"),
                                      "--apply", "--node", "amd2"});
    CHECK(nlohmann::json::parse(again).at("written") == nlohmann::json::array());
    CHECK(in_cib({"cibadmin", "--query", "--xpath", "//node[@uname='amd2']"}) == once);
    CHECK(epoch() == before);
    // The same node with another CPU (as after a microcode update): what
    // changed is written, in one update, and nothing else.
    const nlohmann::json changed = nlohmann::json::parse(in_cib({cli, "--json", "pacemaker", "attributes", "--fingerprint",
                                                                 testing::fixture("xen-cpuid-p-milan.txt"), "--apply", "--node", "amd2"}));
    CHECK(epoch() == before + 1);
    const std::vector<std::string> written = changed.at("written");
    CHECK(std::find(written.begin(), written.end(), "cpucompat-fingerprint") != written.end());
    CHECK(std::find(written.begin(), written.end(), "cpucompat-max") != written.end());
    CHECK(std::find(written.begin(), written.end(), "cpucompat-vendor") == written.end());  // AMD before and after
    CHECK(written.size() < changed.at("attributes").size());
    for (const auto &[name, value] : changed.at("attributes").items())
        CHECK(in_cib({"crm_attribute", "--type", "nodes", "--node", "amd2", "--name", name, "--query", "--quiet"}) ==
              value.get<std::string>() + "\n");
    // And back, so the rest of the case sees amd2 as it was.
    in_cib({cli, "pacemaker", "attributes", "--fingerprint", testing::fixture("xen-cpuid-p-qemu-epyc.txt"), "--apply", "--node", "amd2"});
    CHECK(in_cib({"cibadmin", "--query", "--xpath", "//node[@uname='amd2']"}) == once);
    // A node the CIB does not have: refused, named.
    const ProcessResult unknown = run_captured({"env", "CIB_file=" + cib, cli, "pacemaker", "attributes", "--fingerprint",
                                                testing::fixture("xen-cpuid-p-qemu-epyc.txt"), "--apply", "--node", "amd9"}, 120);
    CHECK(unknown.status != 0);
    CHECK(unknown.err.find("node amd9 is not in the cluster configuration") != std::string::npos);
    // What was stored is what the node said.
    CHECK(in_cib({"crm_attribute", "--type", "nodes", "--node", "amd2", "--name", "cpucompat-floor-hvm-vendor", "--query", "--quiet"}) == "no\n");
    CHECK(in_cib({"crm_attribute", "--type", "nodes", "--node", "intel1", "--name", "cpucompat-vendor", "--query", "--quiet"}) ==
          "GenuineIntel\n");
    // The placement question alone: no fencing device in a CIB file.
    in_cib({"crm_attribute", "--type", "crm_config", "--name", "stonith-enabled", "--update", "false"});
    // Domains, each preferring (score 100) a node it must not get.
    struct Domain { const char *id, *config, *preferred; std::vector<std::string> allowed; };
    const std::vector<Domain> domains = {
        {"v4", "name=\"v4\"\ntype=\"pvh\"\ncpu_compat=\"level:x86-64-v4\"\n", "amd1", {"intel1"}},
        {"vend", "name=\"vend\"\ntype=\"hvm\"\ncpu_compat=\"vendor\"\n", "amd2", {"amd1", "intel1"}},
        {"v2pv", "name=\"v2pv\"\ntype=\"pv\"\ncpu_compat=\"level:x86-64-v2\"\n", "fresh", {"amd1", "amd2", "intel1"}},
        {"free", "name=\"free\"\ntype=\"pv\"\ncpu_compat=\"off\"\n", "fresh", {"fresh"}},
        // Naming their guest: rhel-9 boots on every node that published
        // (not on fresh, which said nothing); rhel-10 needs x86-64-v3, which
        // level x86-64-v2 hides on every node: it starts nowhere.
        {"rh9", "name=\"rh9\"\ntype=\"pv\"\ncpu_compat=\"off\"\ncpu_compat_guest=\"rhel-9\"\n", "fresh", {"amd1", "amd2", "intel1"}},
        {"rh10", "name=\"rh10\"\ntype=\"pv\"\ncpu_compat=\"level:x86-64-v2\"\ncpu_compat_guest=\"rhel-10\"\n", "amd1", {}},
    };
    std::vector<std::string> args = {cli, "pacemaker", "constraints"};
    for (const Domain &d : domains) {
        const std::string cfg = tmp.path + "/" + d.id + ".cfg";
        std::ofstream(cfg) << d.config;
        args.push_back(std::string(d.id) + "=" + cfg);
        in_cib({"cibadmin", "--create", "--scope", "resources", "--xml-text",
                std::string("<primitive id=\"") + d.id + "\" class=\"ocf\" provider=\"cpucompat\" type=\"XenDomain\">"
                "<instance_attributes id=\"" + d.id + "-ia\"><nvpair id=\"" + d.id + "-xmfile\" name=\"xmfile\" value=\"" + cfg + "\"/>"
                "</instance_attributes></primitive>"});
        in_cib({"cibadmin", "--create", "--scope", "constraints", "--xml-text",
                std::string("<rsc_location id=\"prefer-") + d.id + "\" rsc=\"" + d.id + "\" node=\"" + d.preferred + "\" score=\"100\"/>"});
    }
    // All nodes up, with quorum: Pacemaker's placement, run offline.
    const auto simulate = [&](const std::string &from, const std::string &to) {
        std::vector<std::string> argv = {"crm_simulate", "--xml-file", from, "--quorum", "1", "--simulate", "--save-output", to};
        for (const auto &[name, fixture] : nodes) argv.insert(argv.end(), {"--node-up", name});
        must(argv);
    };
    // Without cpucompat's rules each domain goes where it is preferred, so
    // what keeps it off below is the rules.
    simulate(cib, placed);
    for (const Domain &d : domains) {
        INFO(d.id << " without the rules");
        CHECK(running_on(placed, d.id) == std::vector<std::string>{d.preferred});
    }
    const std::string rules = in_cib(args);  // (a guest named: the nodes are read from the CIB)
    in_cib({"cibadmin", "--modify", "--allow-create", "--scope", "constraints", "--xml-text", rules});
    // Applying them again replaces them (same ids): still one each.
    in_cib({"cibadmin", "--modify", "--allow-create", "--scope", "constraints", "--xml-text", rules});
    const std::string constraints = in_cib({"cibadmin", "--query", "--scope", "constraints"});
    for (const char *d : {"v4", "vend", "v2pv"}) {
        INFO(d);
        const std::string needle = std::string("id=\"cpucompat-floor-") + d + "\"";
        size_t n = 0;
        for (auto at = constraints.find(needle); at != std::string::npos; at = constraints.find(needle, at + 1)) ++n;
        CHECK(n == 1);
    }
    must({"crm_verify", "--xml-file", cib});
    simulate(cib, placed);
    for (const Domain &d : domains) {
        INFO(d.id);
        const std::vector<std::string> on = running_on(placed, d.id);
        if (d.allowed.empty()) {
            CHECK(on.empty());
            continue;
        }
        REQUIRE(on.size() == 1);
        CHECK(std::find(d.allowed.begin(), d.allowed.end(), on[0]) != d.allowed.end());
    }
    // Told why, per node, for automation.
    std::vector<std::string> json_args = args;
    json_args.insert(json_args.begin() + 3, "--json");
    const auto j = nlohmann::json::parse(in_cib(json_args));
    for (const auto &r : j["resources"]) {
        INFO(r.dump());
        if (r["id"] == "rh9") CHECK(r["banned"].size() == 1u);
        if (r["id"] == "rh9") CHECK(r["banned"].contains("fresh"));
        if (r["id"] == "rh10") CHECK(r["banned"].size() == 4u);
        if (r["id"] == "v4") CHECK(r["guest_os"].is_null());
    }
}

TEST_CASE("placement: pool status, what-if and pool-level read the pool from the cluster (CIB file)") {
    if (run_captured({"sh", "-c", "command -v cibadmin"}).status != 0)
        FAIL("Pacemaker's tools are not installed (pacemaker-cli-utils; make deps installs them)");
    const std::string cli = testing::env_or("CPUCOMPAT_CLI", "build/test/cpucompat");
    testing::TempDir tmp("cluster-pool");
    const std::string cib = tmp.path + "/cib.xml";
    std::ofstream(cib) << must({"cibadmin", "--empty"});
    const auto in_cib = [&](std::vector<std::string> argv) {
        argv.insert(argv.begin(), {"env", "CIB_file=" + cib});
        return must(argv);
    };
    const std::vector<std::pair<std::string, std::string>> nodes = {
        {"amd1", "xen-cpuid-p-milan.txt"}, {"amd2", "xen-cpuid-p-qemu-epyc.txt"}, {"intel1", "instlat-skylake-server.txt"}};
    int id = 1;
    std::vector<std::string> files = {cli, "pool", "status", "--json"};
    for (const auto &[name, fixture] : nodes) {
        in_cib({"cibadmin", "--create", "--scope", "nodes", "--xml-text", "<node id=\"" + std::to_string(id++) + "\" uname=\"" + name + "\"/>"});
        in_cib({cli, "pacemaker", "attributes", "--fingerprint", testing::fixture(fixture), "--apply", "--node", name});
        files.insert(files.end(), {"--pool", name + "=" + testing::fixture(fixture)});
    }
    // The cluster's pool is the one the same fingerprint files make.
    const auto from_cluster = nlohmann::json::parse(in_cib({cli, "pool", "status", "--json", "--levels-only"}));
    // Every running domain needs this node's name in the cluster: off a
    // running cluster (a CIB file), refused, naming what to give.
    const ProcessResult off = run_captured({"env", "CIB_file=" + cib, cli, "pool", "status"}, 120);
    CHECK(off.status == 2);
    CHECK(off.err.find("crm_node -n: cannot tell this node's cluster name") != std::string::npos);
    CHECK(off.out.empty());
    const auto from_files = nlohmann::json::parse(must(files));
    CHECK(from_cluster == from_files);
    REQUIRE(from_cluster["levels"].size() == 2);
    CHECK(from_cluster["levels"][0]["vendor"] == "AuthenticAMD");
    CHECK(from_cluster["levels"][0]["hosts"] == nlohmann::json::array({"amd1", "amd2"}));
    const auto levels = nlohmann::json::parse(in_cib({cli, "pacemaker", "pool-level", "--json"}));
    REQUIRE(levels["levels"].size() == 2);
    for (int i = 0; i < 2; ++i) {
        CHECK(levels["levels"][i]["fingerprint"] == from_files["levels"][i]["fingerprint"]);
        CHECK(levels["levels"][i]["xenstore"].is_null());  // not applied
    }
    CHECK(levels["applied"] == false);
    // What-if a weaker Intel host joins (a Core 2: no SSE4.2): the Intel
    // level drops, the AMD one stays.
    const auto w = nlohmann::json::parse(in_cib({cli, "pool", "what-if", "--add", "old=" + testing::fixture("instlat-conroe.txt"), "--json"}));
    REQUIRE(w["levels"].size() == 2);
    CHECK(w["levels"][0]["changed"] == false);
    CHECK(w["levels"][1]["vendor"] == "GenuineIntel");
    CHECK(w["levels"][1]["changed"] == true);
    const auto lost = w["levels"][1]["lost"];
    CHECK(std::find(lost.begin(), lost.end(), "sse4-2") != lost.end());
    // And the cluster then has it: the level is what what-if said.
    in_cib({"cibadmin", "--create", "--scope", "nodes", "--xml-text", "<node id=\"9\" uname=\"old\"/>"});
    const ProcessResult unpublished = run_captured({"env", "CIB_file=" + cib, cli, "pacemaker", "pool-level"}, 120);
    CHECK(unpublished.status != 0);  // refused while "old" has not said what it is
    CHECK(unpublished.err.find("node \"old\" has no cpucompat-max attribute") != std::string::npos);
    in_cib({cli, "pacemaker", "attributes", "--fingerprint", testing::fixture("instlat-conroe.txt"), "--apply", "--node", "old"});
    const auto after = nlohmann::json::parse(in_cib({cli, "pacemaker", "pool-level", "--json"}));
    CHECK(after["levels"][1]["fingerprint"] == w["levels"][1]["fingerprint_after"]);
    CHECK(after["levels"][1]["hosts"] == nlohmann::json::array({"intel1", "old"}));
    // Removed from the configuration: the level is intel1's again.
    in_cib({"cibadmin", "--delete", "--scope", "nodes", "--xml-text", "<node id=\"9\" uname=\"old\"/>"});
    CHECK(nlohmann::json::parse(in_cib({cli, "pacemaker", "pool-level", "--json"}))["levels"][1]["fingerprint"] ==
          from_files["levels"][1]["fingerprint"]);
}
