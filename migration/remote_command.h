// Commands for another host are argument vectors; ssh takes one string
// that the remote shell splits again, so each argument is quoted here, in
// one place, for a POSIX shell. Nothing else builds remote command lines.
#pragma once

#include <string>
#include <vector>

namespace cpucompat {

// 'it'\''s' style: safe for every byte but NUL (which no argv can hold).
std::string shell_quote(const std::string &arg);

// argv as one line for `sh -c` on the remote side.
std::string shell_line(const std::vector<std::string> &argv);

// The local argv that runs `argv` on `host` through `ssh_command` (xl's -s
// form: "ssh" or e.g. "ssh -p 2222", split on spaces like xl does).
// Throws Error on an empty host or a host starting with '-' (it would be
// read as an ssh option).
std::vector<std::string> ssh_argv(const std::string &ssh_command, const std::string &host, const std::vector<std::string> &argv);

// ssh_command with OpenSSH's keepalive and a connect timeout added when it
// is OpenSSH's ssh: a link that goes silent for 30 s (or a host that does
// not answer a connection in 15 s) then ends the command with 255 instead
// of leaving it hanging (TCP alone would wait for minutes to hours). Other
// commands are returned as they are.
std::string with_keepalive(const std::string &ssh_command);

// ssh_command, when it is OpenSSH's ssh, with its connections to a host
// shared (ControlMaster=auto): the first command opens a connection that
// the later ones of a move reuse. Under TCG a key exchange costs ~3 s, and
// a restart paid one inside the guest's downtime (the held create); over
// a shared connection a command starts in ~0.5 s. The master is ssh's
// own (its own session, stdio on /dev/null): it ends persist_seconds after
// its last command, or when its keepalive says the link is gone, so a
// command through it fails (255) as one over its own connection would.
// Sockets live in control_dir (root's, 0700: the caller makes it). The
// path carries a digest of ssh_command, so commands with other options (a
// key, a port, a jump host) never share a connection. Other commands are
// returned as they are.
std::string with_shared_connection(const std::string &ssh_command, const std::string &control_dir, int persist_seconds);

}  // namespace cpucompat
