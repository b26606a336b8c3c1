// The Debian package in real dom0s (issue 13): every lab host got the
// project as xen-cpucompat_*.deb through dpkg (tests/lab/image/
// install-deb.sh); here that is checked, the package is upgraded under a
// running domain with an edited conffile, its completion is asked for real
// names, and removal and purge keep what they promise.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>

#include "lab_client.h"
#include "lab_guest.h"

using namespace lab;
namespace utf = boost::unit_test;

namespace {

const std::string kConffile = "/etc/xen/cpucompat.yaml";
const std::string kUnitLink = "/etc/systemd/system/multi-user.target.wants/cpucompat-publish.service";

std::string env(const char *name) {
    const char *v = std::getenv(name);
    BOOST_REQUIRE_MESSAGE(v && *v, name << " is not set: run the lab suite through make lab-check, which builds the upgrade package");
    return v;
}

// The version debian/changelog gives, as the Makefile reads it.
std::string changelog_version() {
    std::ifstream in(env("LAB_REPO") + "/debian/changelog");
    std::string first;
    std::getline(in, first);
    std::smatch m;
    BOOST_REQUIRE_MESSAGE(std::regex_search(first, m, std::regex(R"(\(([^)]+)\))")), "debian/changelog: no version in " << first);
    return m[1];
}

std::string installed_version(const std::string &host) {
    return must(host, "dpkg-query -W -f='${Version} ${db:Status-Abbrev}' xen-cpucompat");
}

// bash completion as a user's TAB gets it: the packaged script through
// bash-completion's loader, for the words typed so far as bash splits them
// (the last one is being completed; a ':' is a word of its own, as bash's
// COMP_WORDBREAKS makes it, and joins its neighbours in the line).
// Returns the candidates, one per line.
std::string complete(const std::string &host, const std::string &words, const std::string &home = "/root") {
    return must(host, "HOME=" + home + " bash -c 'COMP_WORDBREAKS=\" ><=;|&(:\"; . /usr/share/bash-completion/bash_completion; "
                      "COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); "
                      "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_LINE=${COMP_LINE// : /:}; COMP_POINT=${#COMP_LINE}; "
                      "_completion_loader cpucompat; _cpucompat cpucompat; printf \"%s\\n\" \"${COMPREPLY[@]}\"'");
}

bool has_line(const std::string &text, const std::string &line) {
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_host_runs_the_installed_package, *utf::timeout(300)) {
    const std::string version = changelog_version();
    for (const std::string host : {"a", "b", "c"}) {
        BOOST_TEST_INFO("host " << host);
        BOOST_TEST(installed_version(host) == version + " ii ");
        // What the lab runs is what dpkg installed, byte for byte.
        BOOST_TEST(must(host, "command -v cpucompat") == "/usr/bin/cpucompat\n");
        BOOST_TEST(must(host, "dpkg -S /usr/bin/cpucompat /usr/lib/cpucompat/libxl-cpucompat.so /usr/lib/cpucompat/xl | cut -d: -f1 | sort -u") ==
                   "xen-cpucompat\n");
        const std::string verify = must(host, "dpkg --verify xen-cpucompat; true");
        BOOST_TEST(std::regex_replace(verify, std::regex(R"(.* c /etc/xen/cpucompat\.yaml\n)"), "") == "");  // an edited conffile is allowed
        // The postinst enabled the publish and recover units (deb-systemd-helper).
        BOOST_TEST(must(host, "readlink " + kUnitLink) == "/lib/systemd/system/cpucompat-publish.service\n");
        BOOST_TEST(must(host, "readlink /etc/systemd/system/multi-user.target.wants/cpucompat-recover.service") ==
                   "/lib/systemd/system/cpucompat-recover.service\n");
        BOOST_TEST(must(host, "grep -x 'Before=xendomains.service' /lib/systemd/system/cpucompat-recover.service") ==
                   "Before=xendomains.service\n");
        // The lab's init ran what the unit runs, at boot, and found nothing to do.
        BOOST_TEST(must(host, "cat /var/log/cpucompat-recover.log") == "no unfinished moves in /var/lib/cpucompat/moves\n");
        BOOST_TEST(must(host, "cpucompat --version").rfind("cpucompat " + version + "\nbuilt against Xen 4.17", 0) == 0);
    }
}

BOOST_AUTO_TEST_CASE(upgrade_keeps_the_domain_and_the_edited_conffile, *utf::timeout(900)) {
    const std::string deb = env("LAB_UPGRADE_DEB"), up_version = env("LAB_UPGRADE_VERSION");
    const std::string host = "c";
    const GuestGuard guard{host, "pkgup"};
    create(host, "pkgup", "pv", 128, "");
    const std::string id = domid(host, "pkgup");
    const std::string edited = "# edited on this host\ndefault: off\n";
    put_file(host, kConffile, edited);

    copy_to(host, deb, "/tmp/upgrade.deb");
    const Result r = exec(host, "dpkg -i /tmp/upgrade.deb; s=$?; rm -f /tmp/upgrade.deb; exit $s");
    BOOST_TEST_REQUIRE(r.status == 0, "dpkg -i: " << r.out << r.err);
    BOOST_TEST(r.out.find("Unpacking xen-cpucompat (" + up_version + ") over (" + changelog_version() + ")") != std::string::npos, r.out);

    BOOST_TEST(installed_version(host) == up_version + " ii ");
    BOOST_TEST(must(host, "cpucompat --version").rfind("cpucompat " + up_version + "\n", 0) == 0);
    // The edit is kept, silently (the package's own conffile is unchanged):
    // no prompt, no .dpkg-new or .dpkg-dist beside it.
    BOOST_TEST(must(host, "cat " + kConffile) == edited);
    BOOST_TEST(must(host, "ls /etc/xen | grep -c dpkg; true") == "0\n");
    // The domain never noticed: same domain id, still ticking.
    BOOST_TEST(domid(host, "pkgup") == id);
    const int before = last_tick(host, "pkgup");
    must(host, "sleep 3");
    BOOST_TEST(last_tick(host, "pkgup") > before);
    BOOST_TEST(must(host, "readlink " + kUnitLink) == "/lib/systemd/system/cpucompat-publish.service\n");
}

BOOST_AUTO_TEST_CASE(completion_offers_what_the_host_has, *utf::timeout(600)) {
    const std::string host = "b";
    const GuestGuard guard{host, "compl1"};
    create(host, "compl1", "pv", 128, "");
    // Subcommands and options from the binary's --help.
    const std::string subs = complete(host, "cpucompat mi");
    BOOST_TEST(subs == "migrate\nmigrate-receive\n");
    BOOST_TEST(has_line(complete(host, "cpucompat migrate --dr"), "--dry-run"));
    // Modes: level: + the installed baselines. bash splits the typed word at
    // ':' and completes what follows it.
    BOOST_TEST(complete(host, "cpucompat normalize --mode level : x86-64-v") == "x86-64-v1\nx86-64-v2\nx86-64-v3\nx86-64-v4\n");
    BOOST_TEST(has_line(complete(host, "cpucompat normalize --mode level : ze"), "zen3"));
    BOOST_TEST(has_line(complete(host, "cpucompat normalize --mode v"), "vendor"));
    // Guest names from the installed guest table.
    BOOST_TEST(complete(host, "cpucompat guests windows-11") == "windows-11\nwindows-11-24h2\n");
    // Running domains from xl list, hosts from known_hosts (hashed ones name nobody).
    BOOST_TEST(complete(host, "cpucompat migrate comp") == "compl1\n");
    must(host, "mkdir -p /tmp/ch/.ssh && printf '%s\\n' 'hostq,10.0.9.9 ssh-ed25519 AAAA' '[hostr]:2222 ssh-ed25519 AAAA' "
               "'|1|aGFzaA==|aGFzaA== ssh-ed25519 AAAA' > /tmp/ch/.ssh/known_hosts");
    const CleanupGuard rm_home{host, "rm -rf /tmp/ch"};
    BOOST_TEST(complete(host, "cpucompat migrate compl1 host", "/tmp/ch") == "hostq\nhostr\n");
    BOOST_TEST(complete(host, "cpucompat evacuate hostq host", "/tmp/ch") == "hostq\nhostr\n");
}

// Removal waits for a running move; purge says what it removes and keeps
// /var/lib/cpucompat while a move's journal is unfinished. The host gets the
// package back at the end (later tests use it).
BOOST_AUTO_TEST_CASE(remove_and_purge_keep_their_promises, *utf::timeout(900)) {
    const std::string host = "a";
    const std::string version = changelog_version();
    must(host, "mkdir -p /run/cpucompat /var/lib/cpucompat/moves /var/log/cpucompat && echo '{}' > /var/log/cpucompat/migrations.log");
    {
        // A move holds its domain's lock (as MigrationLock does: flock on an
        // open file, here by a process whose pid is known): dpkg -r refuses,
        // the package stays installed (dpkg keeps the admin's wish to remove
        // it as the selection).
        must(host, "(exec 9>/run/cpucompat/migrate-web1.lock; flock 9; exec sleep 120) >/dev/null 2>&1 & echo $! > /tmp/holder.pid; sleep 1");
        const Result r = exec(host, "dpkg -r xen-cpucompat");
        must(host, "kill $(cat /tmp/holder.pid); rm /tmp/holder.pid");
        BOOST_TEST(r.status != 0);
        BOOST_TEST((r.out + r.err).find("a move is running (locks held: migrate-web1.lock)") != std::string::npos, r.out + r.err);
        BOOST_TEST(must(host, "dpkg-query -W -f='${Version} ${db:Status-Status}' xen-cpucompat") == version + " installed");
        BOOST_TEST(must(host, "test -x /usr/bin/cpucompat && echo yes") == "yes\n");
    }
    // An unfinished move's journal: purge removes the package and the log,
    // keeps /var/lib/cpucompat and says why.
    must(host, "echo '{}' > /var/lib/cpucompat/moves/0000-unfinished.json");
    Result r = exec(host, "dpkg --purge xen-cpucompat");
    BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
    BOOST_TEST((r.out + r.err).find("keeping /var/lib/cpucompat: unfinished moves in its journal: 0000-unfinished.json") != std::string::npos,
               r.out + r.err);
    BOOST_TEST((r.out + r.err).find("removing /var/log/cpucompat") != std::string::npos, r.out + r.err);
    // (done/ holds the finished moves of earlier cases on this host.)
    BOOST_TEST(must(host, "ls /var/lib/cpucompat/moves/*.json") == "/var/lib/cpucompat/moves/0000-unfinished.json\n");
    BOOST_TEST(exec(host, "test -e /var/log/cpucompat").status != 0);
    // Nothing of the package is left, nothing of it runs.
    BOOST_TEST(exec(host, "dpkg-query -W -f='${db:Status-Abbrev}' xen-cpucompat").out != "ii ");
    for (const std::string &p : {std::string("/usr/bin/cpucompat"), std::string("/usr/lib/cpucompat"), kConffile, kUnitLink})
        BOOST_TEST(exec(host, "test -e " + p + " || test -L " + p).status != 0, p << " is left after purge");
    BOOST_TEST(must(host, "ps -o comm | grep -cx cpucompat || true") == "0\n");  // busybox has no pgrep

    // Back, then purged with no journal: both directories go, said so.
    copy_to(host, env("LAB_UPGRADE_DEB"), "/tmp/pkg.deb");
    const CleanupGuard reinstall{host, "dpkg-query -W -f='${db:Status-Abbrev}' xen-cpucompat | grep -q ^ii || dpkg -i /tmp/pkg.deb; rm -f /tmp/pkg.deb"};
    must(host, "dpkg -i /tmp/pkg.deb && rm /var/lib/cpucompat/moves/0000-unfinished.json && mkdir -p /var/log/cpucompat");
    BOOST_TEST(must(host, "readlink " + kUnitLink) == "/lib/systemd/system/cpucompat-publish.service\n");
    r = exec(host, "dpkg --purge xen-cpucompat");
    BOOST_TEST_REQUIRE(r.status == 0, r.out << r.err);
    BOOST_TEST(r.out.find("purge: removing /var/lib/cpucompat") != std::string::npos, r.out);
    BOOST_TEST(exec(host, "test -e /var/lib/cpucompat || test -e /var/log/cpucompat").status != 0);
    must(host, "dpkg -i /tmp/pkg.deb");
}
