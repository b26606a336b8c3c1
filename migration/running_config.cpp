#include "running_config.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "../toolstack/core/error.h"
#include "../toolstack/core/text.h"

namespace cpucompat {

namespace {

std::string joined(const std::vector<std::string> &v) { return v.empty() ? "none" : join(v, ", "); }

// The spec's items without any mac=, with `mac` appended.
std::string with_mac(const std::string &spec, const std::string &mac) {
    std::string out;
    size_t start = 0;
    for (;;) {
        const size_t comma = spec.find(',', start);
        const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const size_t key = item.find_first_not_of(" \t");
        const bool is_mac = key != std::string::npos && item.compare(key, 4, "mac=") == 0;
        if (!is_mac && key != std::string::npos) out += (out.empty() ? "" : ",") + item;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out + (out.empty() ? "" : ",") + "mac=" + mac;
}

}  // namespace

bool valid_mac(const std::string &mac) {
    if (mac.size() != 17) return false;
    for (size_t i = 0; i < mac.size(); ++i)
        if (i % 3 == 2 ? mac[i] != ':' : !std::isxdigit(static_cast<unsigned char>(mac[i]))) return false;
    return true;
}

RunningDevices running_devices(const nlohmann::json &config, const std::string &what) {
    RunningDevices r;
    if (!config.is_object()) throw Error(what + ": no libxl config");
    std::map<uint64_t, std::string> by_devid;
    if (config.contains("nics")) {
        if (!config["nics"].is_array()) throw Error(what + ": nics is not a list");
        uint64_t next = 0;
        for (const auto &nic : config["nics"]) {
            if (!nic.is_object() || !nic.contains("mac") || !nic["mac"].is_string() || !valid_mac(nic["mac"].get<std::string>()))
                throw Error(what + ": a network interface without a valid MAC");
            const uint64_t devid = nic.contains("devid") && nic["devid"].is_number_unsigned() ? nic["devid"].get<uint64_t>() : next;
            if (!by_devid.emplace(devid, nic["mac"].get<std::string>()).second)
                throw Error(what + ": two network interfaces with devid " + std::to_string(devid));
            next = devid + 1;
        }
    }
    for (const auto &[devid, mac] : by_devid) r.macs.push_back(mac);
    if (config.contains("disks")) {
        if (!config["disks"].is_array()) throw Error(what + ": disks is not a list");
        for (const auto &disk : config["disks"])
            if (disk.is_object() && disk.contains("pdev_path") && disk["pdev_path"].is_string() &&
                !disk["pdev_path"].get<std::string>().empty())
                r.disks.push_back(disk["pdev_path"]);
    }
    return r;
}

std::string pin_to_running(const std::string &text, const FileDevices &file, const RunningDevices &running, const std::string &uuid,
                           const std::string &domain, const std::string &path) {
    if (!is_uuid(uuid)) throw Error(domain + ": not a uuid: \"" + uuid + "\"");
    auto file_disks = file.disks, ran_disks = running.disks;
    std::sort(file_disks.begin(), file_disks.end());
    std::sort(ran_disks.begin(), ran_disks.end());
    if (file_disks != ran_disks)
        throw Error(path + ": its disks (" + joined(file.disks) + ") are not the ones " + domain + " runs with (" + joined(running.disks) +
                    "): edited, or disks attached or detached since it started; a restart would start it on other disks");
    if (file.vifs.size() != running.macs.size())
        throw Error(path + ": it lists " + std::to_string(file.vifs.size()) + " network interface(s), " + domain + " runs with " +
                    std::to_string(running.macs.size()) + ": edited, or interfaces attached or detached since it started");
    // A config a restart brought here is pinned already: pinned again, not twice.
    std::string pinned = text;
    const std::string marker = "# cpucompat: as " + domain + " ran";
    if (pinned.compare(0, marker.size(), marker) == 0) pinned.clear();
    else if (const size_t at = pinned.find("\n" + marker); at != std::string::npos) pinned.resize(at + 1);
    if (!pinned.empty() && pinned.back() != '\n') pinned += '\n';
    pinned += "# cpucompat: as " + domain + " ran (libxl's stored config): its uuid and MACs\n";
    pinned += "uuid = \"" + uuid + "\"\n";
    if (file.vifs.empty()) return pinned;
    pinned += "vif = [ ";
    for (size_t i = 0; i < file.vifs.size(); ++i) {
        const std::string &spec = file.vifs[i];
        if (spec.find_first_of("'\\\n\r") != std::string::npos)
            throw Error(path + ": vif entry " + std::to_string(i + 1) + " holds a quote, backslash or line break: cannot pin its MAC");
        pinned += (i ? ", '" : "'") + with_mac(spec, running.macs[i]) + "'";
    }
    return pinned + " ]\n";
}

}  // namespace cpucompat
