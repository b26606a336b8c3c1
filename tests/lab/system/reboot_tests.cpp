// Hosts that crash mid-move (issue 10's fault matrix, the cells that need a
// reboot). A crash is `lab kill` (SIGKILL to the host's QEMU: nothing in
// dom0's page cache reaches its disk) and `lab boot`; each host's /var/lib
// is its own disk (tests/lab/lab), so what the journal wrote durably is
// there after the boot, and the boot runs `cpucompat recover --all` as the
// packaged unit does. The sign to crash comes from inside the host, on its
// serial console, so the crash lands at a known step. They boot the hosts
// they crash again before they end.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "lab_client.h"
#include "lab_guest.h"

using namespace lab;
namespace utf = boost::unit_test;

namespace {

void create_movable_pv(const std::string &host, const std::string &name) {
    put_file(host, "/etc/xen/" + name + ".cfg", guest_config(name, "pv", 128, "") + "cpu_compat = \"level:x86-64-v2\"\n");
    must(host, "cpucompat create /etc/xen/" + name + ".cfg");
    BOOST_REQUIRE_MESSAGE(!wait_console(host, name, "GUEST-TICK", 180).empty(), name << " never ticked on " << host);
}

std::string uuid_of(const std::string &host, const std::string &dom) {
    return nlohmann::json::parse(must(host, "xl list -l " + dom)).at(0).at("config").at("c_info").at("uuid").get<std::string>();
}

// Starts `cpucompat migrate ARGS` in the background in `host`'s dom0, and a
// watcher there that writes `sign` to the serial console once `file`
// exists on `watch_host` (checked there, 10 times a second).
void migrate_with_sign(const std::string &host, const std::string &args, const std::string &watch_host, const std::string &file,
                       const std::string &sign) {
    const std::string watch = "i=0; until test -e " + file + "; do [ $i -lt 3000 ] || exit 1; sleep 0.1; i=$((i + 1)); done; echo " +
                              sign + " > /dev/console";
    if (watch_host == host) {
        must(host, "rm -f /tmp/mv.log; (cpucompat migrate " + args + " >/tmp/mv.out 2>/tmp/mv.log; echo exit=$? >> /tmp/mv.log) "
                   "</dev/null >/dev/null 2>&1 & (" + watch + ") </dev/null >/dev/null 2>&1 &");
    } else {
        must(watch_host, "(" + watch + ") </dev/null >/dev/null 2>&1 &");
        must(host, "rm -f /tmp/mv.log; (cpucompat migrate " + args + " >/tmp/mv.out 2>/tmp/mv.log; echo exit=$? >> /tmp/mv.log) "
                   "</dev/null >/dev/null 2>&1 &");
    }
}

}  // namespace

// The receiver crashes while it builds the paused copy: the wrapper loses
// the link (ssh keepalive), the copy was never told to run, so the domain
// starts here again at once. The receiver boots with its held entry on its
// disk; recover at boot closes it (the copy died with the host).
BOOST_AUTO_TEST_CASE(receiver_crash_mid_create_leaves_it_running_here, *utf::timeout(1500)) {
    const GuestGuard on_a{"a", "r1"}, on_b{"b", "r1"};
    create_movable_pv("a", "r1");
    const std::string uuid = uuid_of("a", "r1");
    const size_t from = serial_size("b");
    migrate_with_sign("a", "--shutdown-timeout 120 --link-timeout 30 r1 b", "b", "/var/lib/cpucompat/moves/" + uuid + ".held.json",
                      "LAB-CRASH-NOW");
    BOOST_REQUIRE_MESSAGE(wait_serial("b", "LAB-CRASH-NOW", from, 300), "b never began to build the copy:\n" << exec("a", "cat /tmp/mv.log").out);
    kill_host("b");
    const std::string log = must("a", "i=0; until grep -q '^exit=' /tmp/mv.log; do [ $i -lt 300 ] || break; sleep 1; i=$((i + 1)); done; cat /tmp/mv.log");
    BOOST_TEST(log.find("exit=1") != std::string::npos, log);
    BOOST_TEST(log.find(": recovered") != std::string::npos, log);
    BOOST_TEST(uuid_of("a", "r1") == uuid);
    BOOST_TEST(!wait_console("a", "r1", "GUEST-HELLO", 120).empty());

    boot_host("b");
    BOOST_TEST(exec("b", "xl domid r1").status != 0);
    const std::string recovered = must("b", "cat /var/log/cpucompat-recover.log");
    BOOST_TEST_MESSAGE("b's recover at boot: " << recovered);
    BOOST_TEST(recovered.find("r1") != std::string::npos, "the held entry survived the crash and was recovered at boot:\n" << recovered);
    BOOST_TEST(exec("b", "test -e /var/lib/cpucompat/moves/" + uuid + ".held.json").status != 0);
    BOOST_TEST(must("b", "ls /var/lib/cpucompat/moves/done/ | grep -c " + uuid) != "0\n");
    BOOST_TEST(must("a", "cpucompat recover --all") == "no unfinished moves in /var/lib/cpucompat/moves\n");
}

// The sender crashes after the domain shut down there, mid-move: nobody is
// left to tell the receiver to run it, so its held copy destroys itself.
// The sender boots, its journal on its disk; recover at boot (before
// xendomains would) finds the domain nowhere and starts it there again,
// with its uuid, from the config in the journal.
BOOST_AUTO_TEST_CASE(sender_crash_mid_move_is_recovered_at_boot, *utf::timeout(1500)) {
    const GuestGuard on_a{"a", "r2"}, on_b{"b", "r2"};
    create_movable_pv("a", "r2");
    const std::string uuid = uuid_of("a", "r2");
    const size_t from = serial_size("a");
    // The sign: the journal says gone-here (written durably before the move went on).
    must("a", "cat > /tmp/gone-here.sh <<'EOF'\n"
              "i=0; until grep -q '\"step\": *\"gone-here\"' /var/lib/cpucompat/moves/" + uuid + ".json 2>/dev/null; do\n"
              "  [ $i -lt 3000 ] || exit 1; sleep 0.1; i=$((i + 1)); done; echo LAB-CRASH-NOW > /dev/console\nEOF\n");
    must("a", "(cpucompat migrate --shutdown-timeout 120 r2 b >/tmp/mv.out 2>/tmp/mv.log) </dev/null >/dev/null 2>&1 & "
              "(sh /tmp/gone-here.sh) </dev/null >/dev/null 2>&1 &");
    BOOST_REQUIRE_MESSAGE(wait_serial("a", "LAB-CRASH-NOW", from, 300), "the move never reached gone-here:\n" << exec("a", "cat /tmp/mv.log").out);
    kill_host("a");
    // The receiver's copy (if it was built) is never told to run: gone within its hold time.
    BOOST_TEST(must("b", "i=0; while xl domid r2 >/dev/null 2>&1 && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done; "
                         "xl domid r2 >/dev/null 2>&1 && echo there || echo gone") == "gone\n");
    boot_host("a");
    const std::string recovered = must("a", "cat /var/log/cpucompat-recover.log");
    BOOST_TEST_MESSAGE("a's recover at boot: " << recovered);
    BOOST_TEST(recovered.find("r2") != std::string::npos, recovered);
    BOOST_TEST(recovered.find("recovered") != std::string::npos, recovered);
    BOOST_TEST(uuid_of("a", "r2") == uuid);  // the same domain, started from the journal
    BOOST_TEST(!wait_console("a", "r2", "GUEST-HELLO", 120).empty());
    BOOST_TEST(exec("b", "xl domid r2").status != 0);
    BOOST_TEST(must("a", "ls /var/lib/cpucompat/moves/done/ | grep -c " + uuid) != "0\n");
    BOOST_TEST(must("a", "cpucompat recover --all") == "no unfinished moves in /var/lib/cpucompat/moves\n");
}
