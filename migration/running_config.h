// The config a restart starts a domain from: its xl config file's text,
// pinned to what the domain ran with.
//
// xl 4.17 keeps libxl's JSON of a running domain (`xl list -l`) but `xl
// create` reads only xl.cfg syntax, so a restart starts from the file. The
// file may have been edited since the domain was created, and it leaves
// out what libxl chose itself (a NIC without mac= got a random one). So:
//   - the uuid and every NIC's MAC are appended as the domain ran with them
//     (later settings win in xl.cfg, as for xl's KEY=VALUE overrides);
//   - the disks are not rewritten but compared: a file whose disks are not
//     the ones the domain has (edited, or block-attach/detach since) is an
//     Error naming both, raised before anything moves; so is a NIC count
//     that differs (network-attach/detach since).
// Pure: the file's devices come from libxlutil (adapters/xl_config.h), the
// running ones from `xl list -l`.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cpucompat {

struct RunningDevices {
    std::vector<std::string> macs;   // each NIC's MAC, in devid order
    std::vector<std::string> disks;  // each disk's target (pdev_path)
};
// From one domain's libxl config (`xl list -l`'s "config"); Error naming
// `what` when a NIC has no valid MAC.
RunningDevices running_devices(const nlohmann::json &config, const std::string &what);

struct FileDevices {
    std::vector<std::string> vifs;   // the vif= list's specs, as written
    std::vector<std::string> disks;  // each disk's target, as xl parses it
};

// `text` with the uuid and MACs appended (see above). `path` names the file
// in errors, `domain` the domain.
std::string pin_to_running(const std::string &text, const FileDevices &file, const RunningDevices &running, const std::string &uuid,
                           const std::string &domain, const std::string &path);

// Whether `mac` is six colon-separated hex pairs (what libxl prints).
bool valid_mac(const std::string &mac);

}  // namespace cpucompat
