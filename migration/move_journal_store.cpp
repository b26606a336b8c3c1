#include "move_journal_store.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "../toolstack/core/error.h"
#include "private_files.h"

namespace cpucompat {

namespace fs = std::filesystem;

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string MoveJournalStore::path_of(const MoveEntry &e) const {
    return dir_ + "/" + e.uuid + (e.role == MoveRole::receiver ? ".held.json" : ".json");
}

void MoveJournalStore::write(const MoveEntry &e) const {
    ensure_private_dir(dir_);
    write_durably(path_of(e), move_entry_json(e).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

void MoveJournalStore::finish(MoveEntry &e, const std::string &outcome, long long now) const {
    e.outcome = outcome;
    advance(e, MoveStep::finished, now);
    const std::string done = dir_ + "/done";
    ensure_private_dir(done);
    const std::string base = e.uuid + (e.role == MoveRole::receiver ? ".held" : "");
    write_durably(done + "/" + base + "-" + std::to_string(now) + ".json",
                  move_entry_json(e).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
    if (unlink(path_of(e).c_str()) != 0 && errno != ENOENT) throw Error(path_of(e) + ": cannot remove the finished entry");
    // Rotation: the oldest finished entries beyond kKeepFinished go.
    std::vector<fs::directory_entry> kept;
    std::error_code ec;
    for (const auto &f : fs::directory_iterator(done, ec))
        if (f.is_regular_file(ec) && f.path().extension() == ".json") kept.push_back(f);
    if (kept.size() <= kKeepFinished) return;
    std::sort(kept.begin(), kept.end(), [](const auto &a, const auto &b) {
        std::error_code e1, e2;
        return a.last_write_time(e1) < b.last_write_time(e2);
    });
    for (size_t i = 0; i + kKeepFinished < kept.size(); ++i) fs::remove(kept[i].path(), ec);
}

MoveJournalStore::Listing MoveJournalStore::open_moves() const {
    Listing l;
    std::error_code ec;
    if (!fs::exists(dir_, ec)) return l;
    ensure_private_dir(dir_);
    std::vector<std::string> paths;
    for (const auto &f : fs::directory_iterator(dir_, ec)) {
        const std::string name = f.path().filename().string();
        if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name[0] != '.') paths.push_back(f.path().string());
    }
    if (ec) throw Error(dir_ + ": " + ec.message());
    std::sort(paths.begin(), paths.end());
    for (const auto &p : paths) {
        try {
            MoveEntry e = move_entry_from_json(read_private(p, 1u << 20), p);
            if (path_of(e) != p) throw Error(p + ": holds the entry of " + e.uuid + " (" + move_role_name(e.role) + "), not its own");
            l.entries.push_back({p, std::move(e)});
        } catch (const Error &e) {
            l.unreadable.push_back(e.what());
        }
    }
    return l;
}

}  // namespace cpucompat
