#include "room/piece_runs.hpp"

#include <string>

namespace maptable::room {

std::vector<shared_piece> join_pieces(std::vector<shared_piece> pieces, std::size_t run_bytes)
{
    if (pieces.size() < 2)
        return pieces;
    std::vector<shared_piece> out;
    std::size_t first = 0; // the run [first, next) is joined when it has two pieces or more
    std::size_t bytes = 0;
    const auto close_run = [&](std::size_t next) {
        if (next - first == 1) {
            out.push_back(std::move(pieces[first]));
        } else if (next > first) {
            auto run = std::make_shared<std::string>();
            run->reserve(bytes);
            for (std::size_t i = first; i < next; ++i)
                run->append(*pieces[i]);
            out.push_back(std::move(run));
        }
        first = next;
        bytes = 0;
    };
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (bytes + pieces[i]->size() > run_bytes)
            close_run(i);
        bytes += pieces[i]->size();
    }
    close_run(pieces.size());
    return out;
}

} // namespace maptable::room
