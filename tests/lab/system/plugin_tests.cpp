// The libxl plugin on real Xen (issue 4): the mode applied at creation and
// read back from Xen, floors and hidden features refused, records in the
// domain's config and xenstore, incompatible restores and incoming
// migrations refused before anything moves.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "../../../toolstack/core/compare.h"
#include "../../../toolstack/import/domain_record.h"
#include "lab_client.h"
#include "lab_guest.h"

using namespace cpucompat;
using namespace lab;
namespace utf = boost::unit_test;

namespace {

const std::string kPreload = "LD_PRELOAD=/usr/lib/cpucompat/libxl-cpucompat.so ";

void put_config(const std::string &host, const std::string &name, const std::string &mode, const std::string &cpuid) {
    std::string cfg = guest_config(name, "pv", 128, cpuid);
    if (!mode.empty()) cfg += "cpu_compat = \"" + mode + "\"\n";
    put_file(host, "/etc/xen/" + name + ".cfg", cfg);
}

std::string uuid_of(const std::string &host, const std::string &name) {
    std::string vm = must(host, "xenstore-read /local/domain/" + domid(host, name) + "/vm");
    vm = vm.substr(0, vm.find('\n'));
    return vm.substr(vm.rfind('/') + 1);
}

// Whether `feature` is in the policy `selector` of what `command` prints
// on `host` (xen-cpuid -p's sections).
bool read_policy_has(const std::string &host, const std::string &command, const std::string &selector, const char *feature) {
    return parse(host + ": " + command, must(host, command), selector).features.test(Catalogue::get().find(feature)->id);
}

}  // namespace

BOOST_AUTO_TEST_CASE(plugin_applies_the_mode_at_creation, *utf::timeout(1200)) {
    // The same mode and cpuid= on both AMD generations, one through
    // `cpucompat create`, one through LD_PRELOAD into plain xl.
    const std::string mode = "level:x86-64-v2", cpuid = "\"host,sse4_2=0\"";
    std::map<std::string, Policy> applied;
    for (const auto &[host, launcher] : std::vector<std::pair<std::string, std::string>>{
             {"a", "cpucompat create /etc/xen/cc.cfg"}, {"c", kPreload + "xl create /etc/xen/cc.cfg"}}) {
        BOOST_TEST_CONTEXT("host " << host) {
            put_config(host, "cc", mode, cpuid);
            const GuestGuard guard{host, "cc"};
            must(host, launcher);
            const Policy got = domain_policy(host, "cc");
            const DomainRecord rec = record_of(host, "cc");
            BOOST_TEST(rec.mode == mode);
            BOOST_TEST(rec.host == host);
            BOOST_TEST(check_applied(rec.policy, got).summary() == "as requested");
            // The user's explicit zero survives; the mode's hidden features are gone.
            BOOST_TEST(!got.features.test(Catalogue::get().find("sse4-2")->id));
            BOOST_TEST(must(host, "xenstore-read /tool/cpucompat/domain/" + uuid_of(host, "cc")) ==
                       must(host, "xenstore-read /local/domain/" + domid(host, "cc") + "/cpucompat"));
            const auto flags = guest_flags(host, "cc");
            for (const char *f : {"avx", "aes", "sse4_2", "avx2"}) BOOST_TEST(!flags.count(f), f << " is in the guest's /proc/cpuinfo");
            for (const char *f : {"popcnt", "ssse3", "sse4_1", "cx16"}) BOOST_TEST(flags.count(f), f << " is missing from the guest's /proc/cpuinfo");
            applied[host] = got;
        }
    }
    // Zen 1 and Zen 3 give the guest the identical features and limits
    // (family and model stay each host's own).
    BOOST_TEST(names(controllable(applied["a"].features)) == names(controllable(applied["c"].features)));
    BOOST_TEST(applied["a"].max_leaf == applied["c"].max_leaf);
    BOOST_TEST(applied["a"].max_extd_leaf == applied["c"].max_extd_leaf);
}

BOOST_AUTO_TEST_CASE(plugin_refuses_before_creating_anything, *utf::timeout(600)) {
    // QEMU's AMD models lack misalignsse and 3dnowprefetch, which TCG cannot
    // emulate and every real AMD server since family 10h has.
    put_config("a", "floor", "vendor", "");
    const Result below = exec("a", kPreload + "xl create /etc/xen/floor.cfg");
    BOOST_TEST(below.status != 0);
    BOOST_TEST(below.err.find("cpucompat: domain floor: not created: host is below the floor of \"vendor-amd\": it lacks ") !=
                   std::string::npos, below.err);
    BOOST_TEST(below.err.find("misalignsse 3dnowprefetch") != std::string::npos, below.err);
    BOOST_TEST(exec("a", "xl domid floor").status != 0);

    put_config("a", "hidden", "level:x86-64-v2", "\"host,avx=1\"");
    const Result hidden = exec("a", "cpucompat create /etc/xen/hidden.cfg");
    BOOST_TEST(hidden.status != 0);
    BOOST_TEST(hidden.err.find("cpuid= asks for feature(s) that cpu_compat hides: avx") != std::string::npos, hidden.err);
    BOOST_TEST(exec("a", "xl domid hidden").status != 0);
}

// Vendor mode, the mode this project exists for, on an Intel host that
// meets its floor (the lab gives b and d the acpi and ss that QEMU's models
// leave out); and an x86-64 level on an AMD host whose HVM policy has no
// vme, which no level asks for any more.
BOOST_AUTO_TEST_CASE(plugin_vendor_mode_on_intel_and_levels_without_vme, *utf::timeout(900)) {
    {
        put_config("b", "vi", "vendor", "");
        must("b", "echo 'cpu_compat_guest = \"rhel-9\"' >> /etc/xen/vi.cfg");
        const GuestGuard guard{"b", "vi"};
        must("b", "cpucompat create /etc/xen/vi.cfg");
        const DomainRecord rec = record_of("b", "vi");
        BOOST_TEST(rec.mode == "vendor");
        BOOST_TEST(rec.template_name == "vendor-intel");
        BOOST_TEST(rec.guest_os == "rhel-9");
        BOOST_TEST(check_applied(rec.policy, domain_policy("b", "vi")).summary() == "as requested");
        BOOST_REQUIRE_MESSAGE(!wait_console("b", "vi", "GUEST-TICK", 180).empty(), "vi never ticked on b");
        const auto flags = guest_flags("b", "vi");
        // Nehalem-EP on: SSE4.2 and POPCNT (what RHEL 9 needs), no AES-NI,
        // PCLMULQDQ, MOVBE, RDRAND or XSAVE (Westmere and later).
        for (const char *f : {"sse4_2", "popcnt", "ssse3", "cx16", "lahf_lm"}) BOOST_TEST(flags.count(f), f << " is missing from the guest's /proc/cpuinfo");
        for (const char *f : {"aes", "pclmulqdq", "movbe", "rdrand", "xsave", "avx"}) BOOST_TEST(!flags.count(f), f << " is in the guest's /proc/cpuinfo");
    }
    {
        const GuestGuard guard{"a", "v2h"};
        put_file("a", "/etc/xen/v2h.cfg", guest_config("v2h", "pvh", 96, "\"host,rdtscp=0\"") + "cpu_compat = \"level:x86-64-v2\"\n");
        BOOST_TEST(!read_policy_has("a", "xen-cpuid -p", "hvm-default", "vme"), "a's HVM policy has vme: this case shows nothing");
        const Result r = exec("a", "cpucompat create -p /etc/xen/v2h.cfg");
        BOOST_TEST(r.status == 0, r.err);
        if (r.status == 0) {
            const DomainRecord rec = record_of("a", "v2h");
            BOOST_TEST(rec.template_name == "x86-64-v2");
            BOOST_TEST(!rec.policy.features.test(Catalogue::get().find("vme")->id));
            BOOST_TEST(check_applied(rec.policy, domain_policy("a", "v2h")).ok());
        }
    }
}

BOOST_AUTO_TEST_CASE(plugin_host_default_and_mode_off, *utf::timeout(600)) {
    // Host-wide: the xl shim first on PATH, the mode from /etc/xen/cpucompat.yaml.
    must("a", "ln -sf /usr/lib/cpucompat/xl /usr/local/bin/xl && echo 'default: hyperv-r2' > /etc/xen/cpucompat.yaml");
    put_config("a", "dflt", "", "");
    {
        const GuestGuard guard{"a", "dflt"};
        const Result r = exec("a", "xl create -p /etc/xen/dflt.cfg");
        BOOST_TEST(r.status == 0, r.err);
        if (r.status == 0) {
            const DomainRecord rec = record_of("a", "dflt");
            BOOST_TEST(rec.mode == "hyperv-r2");
            BOOST_TEST(rec.template_name == "hyperv-r2-amd");
            BOOST_TEST(check_applied(rec.policy, domain_policy("a", "dflt")).ok());
        }
    }
    // Mode off: what plain xl gives, and no record.
    put_config("a", "off", "off", "");
    Policy with_plugin;
    {
        const GuestGuard guard{"a", "off"};
        must("a", "xl create -p /etc/xen/off.cfg");
        with_plugin = domain_policy("a", "off");
        BOOST_TEST(exec("a", "xenstore-read /local/domain/" + domid("a", "off") + "/cpucompat").status != 0);
    }
    must("a", "rm -f /usr/local/bin/xl /etc/xen/cpucompat.yaml");
    const GuestGuard guard{"a", "off"};
    must("a", "xl create -p /etc/xen/off.cfg");
    BOOST_TEST(names(domain_policy("a", "off").features) == names(with_plugin.features));
}

// A domain made on EPYC-Milan with a record of its full policy: EPYC (Zen 1)
// lacks ERMS. Plain 4.17 would restore it and silently clamp ERMS away.
BOOST_AUTO_TEST_CASE(plugin_refuses_incompatible_restore_and_migration, *utf::timeout(900)) {
    must("c", "printf 'name: no-nested\\ndescription: the host defaults without nested virtualization\\nhide: [svm, vmx]\\n' > /etc/xen/no-nested.yaml");
    put_config("c", "rich", "file:/etc/xen/no-nested.yaml", "");
    const GuestGuard guard{"c", "rich"};
    const CleanupGuard clean_a{"a", "rm -f /tmp/rich.save"}, clean_c{"c", "rm -f /tmp/rich.save"};
    must("c", "cpucompat create /etc/xen/rich.cfg");
    BOOST_REQUIRE(!wait_console("c", "rich", "GUEST-TICK", 180).empty());
    must("c", "xl save rich /tmp/rich.save && cat /tmp/rich.save | ssh a 'cat > /tmp/rich.save'");
    const std::string sum = must("c", "sha256sum < /tmp/rich.save");
    BOOST_REQUIRE_EQUAL(must("a", "sha256sum < /tmp/rich.save"), sum);

    const Result dry = exec("a", "cpucompat --json check-restore /tmp/rich.save");
    BOOST_TEST(dry.status == 1);
    BOOST_TEST(nlohmann::json::parse(dry.out)["missing"] == nlohmann::json::array({"erms"}));

    const Result refused = exec("a", kPreload + "xl restore /tmp/rich.save");
    BOOST_TEST(refused.status != 0);
    BOOST_TEST(refused.err.find("cpucompat: domain rich: refused: this host cannot run its CPU policy (mode "
                                "file:/etc/xen/no-nested.yaml, from c): missing: erms") != std::string::npos, refused.err);
    BOOST_TEST(exec("a", "xl domid rich").status != 0);
    BOOST_TEST(must("a", "sha256sum < /tmp/rich.save") == sum);  // the image is intact

    // ... and restores fine where it came from.
    must("c", kPreload + "xl restore /tmp/rich.save");
    const int before = last_tick("c", "rich");
    BOOST_TEST(!wait_console("c", "rich", "GUEST-TICK " + std::to_string(before + 2), 60).empty());

    // A plain xl migrate into a, received by `cpucompat migrate-receive`
    // (the man page's form), is refused before any memory moves; the domain
    // keeps running on c. The receiver's messages reach the sender over ssh.
    const Result mig = exec("c", "xl migrate -s '' rich 'ssh a cpucompat migrate-receive'");
    BOOST_TEST(mig.status != 0);
    BOOST_TEST(mig.err.find("refused: this host cannot run its CPU policy") != std::string::npos, mig.err);
    BOOST_TEST(mig.err.find("missing: erms") != std::string::npos, mig.err);
    BOOST_TEST(exec("a", "xl domid rich").status != 0);
    BOOST_TEST(exec("a", "xl domid rich--incoming").status != 0);
    const int after = last_tick("c", "rich");
    BOOST_TEST(!wait_console("c", "rich", "GUEST-TICK " + std::to_string(after + 2), 60).empty(), "heartbeat on c after the refusal");
    std::ofstream(records_dir() + "/plugin-refuses-migration.txt")
        << "$ xl migrate -s '' rich 'ssh a cpucompat migrate-receive'  (EPYC-Milan -> EPYC)\n" << mig.err;
}

// Another libxl client: libvirt's libxl driver (libvirtd with the plugin
// preloaded, `virsh create`). It parses no xl config, so the domain gets
// the host's default mode. On the Intel host: libvirt 9.0 cannot describe
// the AMD models' CPUs under TCG ("Cannot find suitable CPU model") and
// its Xen driver does not start there.
BOOST_AUTO_TEST_CASE(plugin_applies_the_mode_under_libvirt, *utf::timeout(600)) {
    const CleanupGuard stop{"b", "virsh -c xen:///system destroy lv1; kill $(cat /run/libvirtd.pid); rm -f /etc/xen/cpucompat.yaml"};
    must("b", "echo 'default: level:x86-64-v2' > /etc/xen/cpucompat.yaml && " + kPreload + "libvirtd -d && "
              "i=0; until virsh -c xen:///system version >/dev/null 2>&1 || [ $i -ge 60 ]; do sleep 1; i=$((i + 1)); done");
    put_file("b", "/tmp/lv1.xml",
             "<domain type='xen'><name>lv1</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
             "<os><type>linux</type><kernel>/guest/vmlinux.gz</kernel><initrd>/guest/initrd.cpio.gz</initrd>"
             "<cmdline>console=hvc0 quiet</cmdline></os><devices><console type='pty'/></devices></domain>\n");
    must("b", "virsh -c xen:///system create /tmp/lv1.xml");
    const DomainRecord rec = record_of("b", "lv1");
    BOOST_TEST(rec.mode == "level:x86-64-v2");
    BOOST_TEST(rec.template_name == "x86-64-v2");
    BOOST_TEST(check_applied(rec.policy, domain_policy("b", "lv1")).summary() == "as requested");
    BOOST_TEST(must("b", "xenstore-read /tool/cpucompat/domain/" + uuid_of("b", "lv1")) ==
               must("b", "xenstore-read /local/domain/" + domid("b", "lv1") + "/cpucompat"));
    const auto flags = guest_flags("b", "lv1");
    for (const char *f : {"avx", "aes", "avx2"}) BOOST_TEST(!flags.count(f), f << " is in the guest's /proc/cpuinfo");
    for (const char *f : {"sse4_2", "popcnt", "ssse3"}) BOOST_TEST(flags.count(f), f << " is missing from the guest's /proc/cpuinfo");
}

// cpu_compat_guest (issue 12): the guest OS a domain runs must boot with the
// policy its mode gives it, or nothing is built. The Hyper-V 2008 R2 masks
// hide SSE4.2 and POPCNT, which Windows 11 24H2 stops without; RHEL 10
// needs x86-64-v3. At x86-64-v2 Windows 11 24H2 is fine, and the guest
// (here the lab's Linux, as a stand-in) sees both features.
BOOST_AUTO_TEST_CASE(plugin_refuses_a_policy_its_guest_cannot_boot, *utf::timeout(900)) {
    const GuestGuard w24{"a", "w24"}, w24ok{"a", "w24ok"}, r10{"a", "r10"};
    const auto config = [](const std::string &name, const std::string &mode, const std::string &guest) {
        return guest_config(name, "pv", 128, "") + "cpu_compat = \"" + mode + "\"\ncpu_compat_guest = \"" + guest + "\"\n";
    };
    put_file("a", "/etc/xen/w24.cfg", config("w24", "hyperv-r2", "windows-11-24h2"));
    const Result low = exec("a", "cpucompat create /etc/xen/w24.cfg");
    BOOST_TEST(low.status != 0);
    BOOST_TEST(low.err.find("cpucompat: domain w24: not created: its guest windows-11-24h2 would not boot: it needs ") != std::string::npos,
               low.err);
    for (const char *f : {"sse4-2", "popcnt", "which mode hyperv-r2 hides"}) BOOST_TEST(low.err.find(f) != std::string::npos, f << ": " << low.err);
    BOOST_TEST(exec("a", "xl domid w24").status != 0);  // nothing was built

    put_file("a", "/etc/xen/w24ok.cfg", config("w24ok", "level:x86-64-v2", "windows-11-24h2"));
    must("a", "cpucompat create /etc/xen/w24ok.cfg");
    const auto flags = guest_flags("a", "w24ok");
    BOOST_TEST(flags.count("sse4_2") == 1u);
    BOOST_TEST(flags.count("popcnt") == 1u);

    put_file("a", "/etc/xen/r10.cfg", config("r10", "level:x86-64-v2", "rhel-10"));
    const Result v2 = exec("a", "cpucompat create /etc/xen/r10.cfg");
    BOOST_TEST(v2.status != 0);
    for (const char *f : {"its guest rhel-10 would not boot", "avx2", "bmi2", "fma", "movbe", "which mode level:x86-64-v2 hides"})
        BOOST_TEST(v2.err.find(f) != std::string::npos, f << ": " << v2.err);
    BOOST_TEST(exec("a", "xl domid r10").status != 0);

    // A config that names no guest gets this host's default for its name.
    // (An earlier case may have removed the conffile: kept only if there.)
    must("a", "rm -f /tmp/cpucompat.yaml.keep; [ ! -e /etc/xen/cpucompat.yaml ] || cp -p /etc/xen/cpucompat.yaml /tmp/cpucompat.yaml.keep");
    const CleanupGuard restore{"a", "rm -f /etc/xen/cpucompat.yaml; [ ! -e /tmp/cpucompat.yaml.keep ] || mv -f /tmp/cpucompat.yaml.keep /etc/xen/cpucompat.yaml"};
    put_file("a", "/etc/xen/cpucompat.yaml", "guests:\n  - match: \"r10*\"\n    guest: rhel-10\n");
    put_file("a", "/etc/xen/r10.cfg", guest_config("r10", "pv", 128, "") + "cpu_compat = \"level:x86-64-v2\"\n");
    const Result by_host = exec("a", "cpucompat create /etc/xen/r10.cfg");
    BOOST_TEST(by_host.status != 0);
    BOOST_TEST(by_host.err.find("its guest rhel-10 would not boot") != std::string::npos, by_host.err);
    BOOST_TEST(exec("a", "xl domid r10").status != 0);
}
