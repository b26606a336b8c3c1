// What a restart starts a domain from (migration/running_config.h): the
// config file pinned to the uuid and MACs the domain ran with, its disks
// compared with the ones it has; the file read by the real libxlutil. And
// the readers of xl's output shared by moves and recovery
// (migration/xl_output.h) against hostile input.
#include <catch2/catch.hpp>

#include "../../migration/running_config.h"
#include "../../migration/xl_output.h"
#include "../../toolstack/adapters/xl_config.h"
#include "../../toolstack/core/error.h"

using namespace cpucompat;

namespace {

const std::string kUuid = "0b1c3f9e-52a4-4c8e-9a57-3f2d1e0c4b6a";

// What xl create would read from `text`: the devices and the uuid, by libxlutil.
XlConfigDevices reread(const std::string &text) { return xl_config_devices(text, "/etc/xen/web1.cfg"); }

std::string pin(const std::string &text, const RunningDevices &running) {
    const auto f = reread(text);
    return pin_to_running(text, FileDevices{f.vifs, f.disk_targets}, running, kUuid, "web1", "/etc/xen/web1.cfg");
}

}  // namespace

TEST_CASE("a restart keeps the MACs and uuid the domain ran with") {
    struct Row {
        std::string vif;                // the file's vif= value
        std::vector<std::string> macs;  // what libxl gave the running domain
        std::vector<std::string> want;  // the specs xl create reads from the pinned text
    };
    const std::vector<Row> rows{
        {"[ 'bridge=xenbr0' ]", {"00:16:3e:12:34:56"}, {"bridge=xenbr0,mac=00:16:3e:12:34:56"}},
        // Edited since: the MAC it runs with wins; other keys stay as written.
        {"[ 'mac=00:16:3e:00:00:01, bridge=xenbr0' ]", {"00:16:3e:aa:bb:cc"}, {" bridge=xenbr0,mac=00:16:3e:aa:bb:cc"}},
        {"[ 'bridge=br0', 'bridge=br1,script=vif-route' ]",
         {"00:16:3e:00:00:0a", "00:16:3e:00:00:0b"},
         {"bridge=br0,mac=00:16:3e:00:00:0a", "bridge=br1,script=vif-route,mac=00:16:3e:00:00:0b"}},
        {"[ '' ]", {"00:16:3e:00:00:0c"}, {"mac=00:16:3e:00:00:0c"}},
        {"", {}, {}},
    };
    for (const auto &row : rows) {
        INFO(row.vif);
        const std::string text = "name = \"web1\"\nmemory = 128\n" + (row.vif.empty() ? "" : "vif = " + row.vif + "\n");
        const std::string pinned = pin(text, RunningDevices{row.macs, {}});
        CHECK(pinned.rfind(text, 0) == 0);  // the file's own text first, unchanged
        CHECK(pinned.find("uuid = \"" + kUuid + "\"\n") != std::string::npos);
        CHECK(reread(pinned).vifs == row.want);
        CHECK(xl_config_domain_name("/dev/null", {pinned}) == "web1");
        // Moving on from a pinned config pins it again, not twice.
        const std::string again = pin(pinned, RunningDevices{row.macs, {}});
        CHECK(again == pinned);
    }
}

TEST_CASE("a restart refuses a file whose devices are not the ones the domain has") {
    const std::string base = "name = \"web1\"\n";
    struct Row {
        std::string config;
        RunningDevices running;
        std::string want;
    };
    const std::vector<Row> rows{
        {base + "disk = [ 'phy:/dev/vg/web1,xvda,w' ]\n", {{}, {"/dev/vg/web1-new"}},
         "/etc/xen/web1.cfg: its disks (/dev/vg/web1) are not the ones web1 runs with (/dev/vg/web1-new)"},
        {base, {{}, {"/dev/vg/web1"}}, "its disks (none) are not the ones web1 runs with (/dev/vg/web1)"},
        {base + "disk = [ 'phy:/dev/a,xvda,w', 'phy:/dev/b,xvdb,w' ]\n", {{}, {"/dev/a"}}, "(/dev/a, /dev/b) are not the ones"},
        {base + "vif = [ 'bridge=br0' ]\n", {{}, {}}, "it lists 1 network interface(s), web1 runs with 0"},
        {base, {{"00:16:3e:00:00:01"}, {}}, "it lists 0 network interface(s), web1 runs with 1"},
        {base + "vif = [ \"bridge=br0,script=it's\" ]\n", {{"00:16:3e:00:00:01"}, {}}, "vif entry 1 holds a quote"},
    };
    for (const auto &row : rows) {
        INFO(row.config);
        CHECK_THROWS_WITH(pin(row.config, row.running), Catch::Contains(row.want));
    }
    // Disks in another order, with a target= spec: the same disks.
    CHECK_NOTHROW(pin(base + "disk = [ 'format=raw, vdev=xvdb, access=rw, target=/srv/b.img', 'phy:/dev/a,xvda,w' ]\n",
                      RunningDevices{{}, {"/dev/a", "/srv/b.img"}}));
    CHECK_THROWS_WITH(pin_to_running(base, {}, {}, "not-a-uuid", "web1", "f"), Catch::Contains("not a uuid"));
    CHECK_THROWS_WITH(reread(base + "disk = [ 'phy:/dev/a,xvda,w,bogus=1' ]\n"), Catch::Contains("disk entry 1"));
    CHECK_THROWS_WITH(reread("name = \"web1\n"), Catch::Contains("/etc/xen/web1.cfg: not an xl config"));
}

TEST_CASE("the devices a running domain has, from libxl's stored config") {
    const auto cfg = nlohmann::json::parse(R"({"c_info": {"name": "web1"},
        "nics": [{"devid": 1, "mac": "00:16:3e:00:00:02"}, {"devid": 0, "mac": "00:16:3e:00:00:01"}],
        "disks": [{"pdev_path": "/dev/vg/web1", "vdev": "xvda"}, {"vdev": "xvdc", "is_cdrom": true}]})");
    const auto r = running_devices(cfg, "domain web1");
    CHECK(r.macs == std::vector<std::string>{"00:16:3e:00:00:01", "00:16:3e:00:00:02"});
    CHECK(r.disks == std::vector<std::string>{"/dev/vg/web1"});
    for (const std::string bad : {R"({"nics": [{"devid": 0}]})", R"({"nics": [{"mac": "00:16:3e:00:00"}]})",
                                  R"({"nics": [{"mac": "00:16:3e:00:00:0g"}]})", R"({"nics": {}})", R"({"disks": 3})",
                                  R"({"nics": [{"devid": 0, "mac": "00:16:3e:00:00:01"}, {"devid": 0, "mac": "00:16:3e:00:00:02"}]})",
                                  R"([])"}) {
        INFO(bad);
        CHECK_THROWS_WITH(running_devices(nlohmann::json::parse(bad), "domain web1"), Catch::StartsWith("domain web1: "));
    }
    CHECK(valid_mac("00:16:3E:ab:cd:ef"));
    CHECK_FALSE(valid_mac("00:16:3e:ab:cd:ef:"));
    CHECK_FALSE(valid_mac("00-16-3e-ab-cd-ef"));
}

TEST_CASE("xl's output is read strictly, whoever printed it") {
    const std::string two = R"([{"domid": 0, "config": {"c_info": {"name": "Domain-0"}}},
        {"domid": 7, "config": {"c_info": {"uuid": ")" + kUuid + R"(", "name": "web1"}}}])";
    CHECK(domid_with_uuid(two, kUuid, "b: xl list -l") == 7u);
    CHECK_FALSE(domid_with_uuid(two, "11111111-2222-3333-4444-555555555555", "b: xl list -l"));
    CHECK_FALSE(domid_with_uuid("[]", kUuid, "b: xl list -l"));
    const std::string dup = R"([{"domid": 7, "config": {"c_info": {"uuid": ")" + kUuid + R"("}}},
        {"domid": 9, "config": {"c_info": {"uuid": ")" + kUuid + R"("}}}])";
    for (const auto &[in, want] : std::vector<std::pair<std::string, std::string>>{
             {"", "not JSON"},
             {"\xff\xfe[]", "not JSON"},
             {"{}", "not a list of domains"},
             {R"([{"config": {"c_info": {"uuid": ")" + kUuid + R"("}}}])", "no valid domid"},
             {R"([{"domid": -1, "config": {"c_info": {"uuid": ")" + kUuid + R"("}}}])", "no valid domid"},
             {R"([{"domid": 99999999999, "config": {"c_info": {"uuid": ")" + kUuid + R"("}}}])", "no valid domid"},
             {dup, "two domains with uuid"},
             {two.substr(0, two.size() / 2), "not JSON"}}) {
        INFO(in);
        CHECK_THROWS_WITH(domid_with_uuid(in, kUuid, "b: xl list -l"), Catch::StartsWith("b: xl list -l: ") && Catch::Contains(want));
    }
    CHECK_THROWS_WITH(domid_with_uuid(two, "", "b: xl list -l"), Catch::Contains("no uuid"));
    CHECK(first_line("\n  \r\nssh: connect to host b: refused\r\nmore\n") == "ssh: connect to host b: refused");
    CHECK(first_line("") == "");
    CHECK(reason_line("Parsing config from x\nlibxl: error: y\ncpucompat: web1: refused\nlast\n") == "cpucompat: web1: refused");
    CHECK(reason_line("Parsing config from x\nssh: connection lost\n\n") == "ssh: connection lost");
}
