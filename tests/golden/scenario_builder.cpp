#include "scenario_builder.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <stdexcept>

namespace maptable::golden {

namespace {

std::string name_of(const pb::ClientMessage& command)
{
    const char* name = model::command_name(command.body_case());
    return name ? name : "an unknown command";
}

} // namespace

std::string deterministic_bytes(const google::protobuf::MessageLite& message)
{
    std::string bytes;
    {
        google::protobuf::io::StringOutputStream stream(&bytes);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        message.SerializeToCodedStream(&coded);
    }
    return bytes;
}

scenario_builder::scenario_builder(std::string name, std::string about, std::string room_id) : state_(room_id)
{
    sequence_.name = std::move(name);
    sequence_.about = std::move(about);
    sequence_.room_id = std::move(room_id);
}

std::uint64_t scenario_builder::run(const pb::ClientMessage& command, const model::actor& who)
{
    now_ms_ += 1000;
    auto result = state_.validate(command, who, now_ms_);
    if (const auto* refused = std::get_if<model::rejection>(&result))
        throw std::runtime_error("scenario " + sequence_.name + ", step at seq " + std::to_string(state_.seq() + 1) +
                                 " (" + name_of(command) + " by " + who.id + ") was refused: " + refused->message);
    const auto& event = std::get<pb::Event>(result);
    if (!state_.apply(event))
        throw std::runtime_error("scenario " + sequence_.name + ": apply refused its own event");
    record(event);
    return event.seq();
}

void scenario_builder::refused(const pb::ClientMessage& command, const model::actor& who, pb::ErrorCode code)
{
    auto result = state_.validate(command, who, now_ms_ + 1000);
    const auto* refused = std::get_if<model::rejection>(&result);
    if (!refused || refused->code != code)
        throw std::runtime_error("scenario " + sequence_.name + ": expected " + pb::ErrorCode_Name(code) + " for " +
                                 name_of(command) + " by " + who.id + ", got " +
                                 (refused ? pb::ErrorCode_Name(refused->code) : std::string("an event")));
}

void scenario_builder::apply_raw(pb::Event event)
{
    now_ms_ += 1000;
    event.set_seq(state_.seq() + 1);
    if (event.time_ms() == 0)
        event.set_time_ms(now_ms_);
    if (!state_.apply(event))
        throw std::runtime_error("scenario " + sequence_.name + ": apply refused a hand-made event");
    record(event);
}

void scenario_builder::record(const pb::Event& event)
{
    sequence_.events.push_back({deterministic_bytes(event), state_.canonical_hash()});
}

golden_sequence scenario_builder::finish() const
{
    golden_sequence out = sequence_;
    out.state = deterministic_bytes(state_.to_proto());
    out.hash = state_.canonical_hash();
    return out;
}

} // namespace maptable::golden
