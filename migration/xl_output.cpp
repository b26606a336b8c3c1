#include "xl_output.h"

#include <cstdlib>
#include <sstream>

#include "../toolstack/core/error.h"

namespace cpucompat {

std::string first_line(const std::string &s) {
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (l.find_first_not_of(" \t") != std::string::npos) return l;
    }
    return "";
}

std::string reason_line(const std::string &err) {
    std::istringstream in(err);
    std::string last;
    for (std::string l; std::getline(in, l);) {
        if (l.find("cpucompat:") != std::string::npos) return first_line(l);
        if (!first_line(l).empty()) last = first_line(l);
    }
    return last;
}

nlohmann::json listed_domains_json(const std::string &out, const std::string &what) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(out);
    } catch (const nlohmann::json::exception &e) {
        throw Error(what + ": not JSON (output_format=json in xl.conf?): " + e.what());
    }
    if (!j.is_array()) throw Error(what + ": not a list of domains");
    return j;
}

std::optional<uint32_t> domid_with_uuid(const std::string &xl_list_l_out, const std::string &uuid, const std::string &what) {
    if (uuid.empty()) throw Error(what + ": no uuid to look for");
    std::optional<uint32_t> found;
    for (const auto &dom : listed_domains_json(xl_list_l_out, what)) {
        if (!dom.is_object() || !dom.contains("config") || !dom["config"].is_object()) continue;
        const auto &c = dom["config"];
        if (!c.contains("c_info") || !c["c_info"].is_object() || !c["c_info"].contains("uuid") || !c["c_info"]["uuid"].is_string() ||
            c["c_info"]["uuid"].get<std::string>() != uuid)
            continue;
        if (!dom.contains("domid") || !dom["domid"].is_number_unsigned() || dom["domid"].get<uint64_t>() > UINT32_MAX)
            throw Error(what + ": the domain with uuid " + uuid + " has no valid domid");
        const auto id = static_cast<uint32_t>(dom["domid"].get<uint64_t>());
        // Two domains with one uuid: xl refuses to make that; its output saying so is not to be trusted.
        if (found && *found != id) throw Error(what + ": two domains with uuid " + uuid);
        found = id;
    }
    return found;
}

std::optional<ListedDomain> listed_domain(const std::string &xl_list_out) {
    std::istringstream lines(xl_list_out);
    std::string header, row, name, id, mem, vcpus, cpu;
    if (!std::getline(lines, header) || !std::getline(lines, row)) return std::nullopt;
    if (header.compare(0, 4, "Name") != 0) return std::nullopt;
    ListedDomain d;
    std::istringstream cols(row);
    if (!(cols >> name >> id >> mem >> vcpus >> d.state)) return std::nullopt;
    if (d.state.find_first_not_of("rbpscd-") != std::string::npos) return std::nullopt;
    if (cols >> cpu) {
        char *end = nullptr;
        d.cpu_seconds = std::strtod(cpu.c_str(), &end);
        if (end == cpu.c_str() || *end != '\0' || !(d.cpu_seconds >= 0) || d.cpu_seconds > 1e12) return std::nullopt;
    }
    return d;
}

}  // namespace cpucompat
