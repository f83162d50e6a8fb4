// Layer: model. Room chat: send (with replies and @mentions), react, edit,
// delete.
//
// The state keeps the newest limits().recent_chat messages; reactions and
// edits apply to those (a conversation, not an archive). An edit or a delete
// leaves a visible trace (edited_seq; deleted, deleted_by, reason) and the
// log keeps the original words for the audit trail. A facilitator may delete
// any message, also one older than the recent window.
#include "model/rules/rules.hpp"

#include "model/limits.hpp"
#include "model/text.hpp"

#include <algorithm>

namespace maptable::model::rules {

namespace {

constexpr std::size_t max_mentions = 20;
constexpr std::size_t max_emoji_bytes = 16;
constexpr std::size_t max_emojis_per_message = 20;

bool is_moderator(const actor& who)
{
    return who.role == pb::ROLE_FACILITATOR || who.role == pb::ROLE_ADMIN;
}

pb::ChatMessage* find_recent(std::deque<pb::ChatMessage>& chat, std::uint64_t seq)
{
    const auto it = std::lower_bound(chat.begin(), chat.end(), seq,
                                     [](const pb::ChatMessage& m, std::uint64_t s) { return m.seq() < s; });
    return it != chat.end() && it->seq() == seq ? &*it : nullptr;
}

const pb::ChatMessage* find_recent(const std::deque<pb::ChatMessage>& chat, std::uint64_t seq)
{
    return find_recent(const_cast<std::deque<pb::ChatMessage>&>(chat), seq);
}

// The message among the recent chat, not deleted; or why not.
problem find_live(const room_data& room, std::uint64_t seq, const pb::ChatMessage*& found)
{
    found = find_recent(room.recent_chat, seq);
    if (!found)
        return reject(pb::ERROR_CODE_MESSAGE_NOT_FOUND,
                      "there is no chat message with seq " + std::to_string(seq) + " among the newest " +
                          std::to_string(limits().recent_chat) + " messages of this room");
    if (found->deleted())
        return reject(pb::ERROR_CODE_ALREADY_DELETED, "chat message " + std::to_string(seq) + " was deleted");
    return std::nullopt;
}

// True when seq may name a chat message the state no longer keeps: the window
// is full and seq is older than its oldest message. Until the window has
// filled, the state holds every message ever posted, so nothing is unknown.
bool older_than_window(const room_data& room, std::uint64_t seq)
{
    return room.recent_chat.size() >= limits().recent_chat && seq < room.recent_chat.front().seq();
}

// A reply must name an earlier chat message. The state keeps only the recent
// window of chat, so a reply_to older than that window cannot be checked and
// is accepted; inside the window it must be exact. The window is a function
// of the log, so the server and every replica give the same answer.
problem check_reply_to(const room_data& room, std::uint64_t reply_to)
{
    if (reply_to == 0)
        return std::nullopt;
    if (reply_to > room.seq)
        return reject(pb::ERROR_CODE_REPLY_NOT_FOUND,
                      "reply_to " + std::to_string(reply_to) + " is not an earlier message: the room is at seq " +
                          std::to_string(room.seq));
    if (older_than_window(room, reply_to))
        return std::nullopt;
    if (!find_recent(room.recent_chat, reply_to))
        return reject(pb::ERROR_CODE_REPLY_NOT_FOUND,
                      "reply_to " + std::to_string(reply_to) + " is not the seq of a chat message in this room");
    return std::nullopt;
}

problem check_mentions(const google::protobuf::RepeatedPtrField<std::string>& mentions)
{
    if (static_cast<std::size_t>(mentions.size()) > max_mentions)
        return reject(pb::ERROR_CODE_INVALID_MENTION,
                      "a message may mention at most " + std::to_string(max_mentions) + " participants, got " +
                          std::to_string(mentions.size()));
    for (int i = 0; i < mentions.size(); ++i)
        if (auto p = check_participant_id(mentions[i]))
            return reject(pb::ERROR_CODE_INVALID_MENTION, "mention " + std::to_string(i) + ": " + p->message);
    return std::nullopt;
}

problem check_emoji(std::string_view emoji)
{
    const bool plain = std::none_of(emoji.begin(), emoji.end(),
                                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
    if (!emoji.empty() && emoji.size() <= max_emoji_bytes && is_valid_utf8(emoji) && plain)
        return std::nullopt;
    return reject(pb::ERROR_CODE_INVALID_REACTION,
                  "a reaction is one emoji or short token of 1 to " + std::to_string(max_emoji_bytes) +
                      " bytes of UTF-8 without white space, got " + quote_short(emoji));
}

problem send_chat(const room_data& room, const pb::SendChat& command, const actor& who, pb::Event& event)
{
    if (auto p = check_message_text("text", command.text(), limits().max_chat_chars))
        return p;
    if (!command.feature_id().empty() && !room.features.count(command.feature_id()))
        return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND,
                      "the message is about feature " + quote_short(command.feature_id()) + ", which does not exist");
    if (auto p = check_reply_to(room, command.reply_to()))
        return p;
    if (auto p = check_mentions(command.mentions()))
        return p;

    pb::ChatMessage& message = *event.mutable_chat_posted()->mutable_message();
    message.set_seq(event.seq());
    message.set_author_id(who.id);
    message.set_author_name(who.name);
    message.set_text(command.text());
    message.set_reply_to(command.reply_to());
    message.set_feature_id(command.feature_id());
    message.set_time_ms(event.time_ms());
    *message.mutable_mentions() = command.mentions();
    message.set_session_id(event.session_id());
    return std::nullopt;
}

problem react(const room_data& room, const pb::ReactToChat& command, const actor& who, pb::Event& event)
{
    const pb::ChatMessage* message = nullptr;
    if (auto p = find_live(room, command.message_seq(), message))
        return p;
    if (auto p = check_emoji(command.emoji()))
        return p;
    const auto reaction = std::find_if(message->reactions().begin(), message->reactions().end(),
                                       [&](const pb::Reaction& r) { return r.emoji() == command.emoji(); });
    const bool reacted = reaction != message->reactions().end() &&
        std::find(reaction->participant_ids().begin(), reaction->participant_ids().end(), who.id) !=
            reaction->participant_ids().end();
    if (command.remove() && !reacted)
        return reject(pb::ERROR_CODE_NO_CHANGE, "you have not reacted with " + quote_short(command.emoji()));
    if (!command.remove() && reacted)
        return reject(pb::ERROR_CODE_NO_CHANGE, "you already reacted with " + quote_short(command.emoji()));
    if (!command.remove() && reaction == message->reactions().end() &&
        static_cast<std::size_t>(message->reactions_size()) >= max_emojis_per_message)
        return reject(pb::ERROR_CODE_INVALID_REACTION,
                      "a message may carry at most " + std::to_string(max_emojis_per_message) + " different reactions");

    pb::ChatReacted& reacted_event = *event.mutable_chat_reacted();
    reacted_event.set_message_seq(command.message_seq());
    reacted_event.set_emoji(command.emoji());
    reacted_event.set_removed(command.remove());
    return std::nullopt;
}

problem edit(const room_data& room, const pb::EditChat& command, const actor& who, pb::Event& event)
{
    const pb::ChatMessage* message = nullptr;
    if (auto p = find_live(room, command.message_seq(), message))
        return p;
    if (message->author_id() != who.id)
        return reject(pb::ERROR_CODE_NOT_AUTHOR, "only its author may edit a chat message");
    if (auto p = check_message_text("text", command.text(), limits().max_chat_chars))
        return p;
    if (command.text() == message->text())
        return reject(pb::ERROR_CODE_NO_CHANGE, "the new text is the same as the old one");
    event.mutable_chat_edited()->set_message_seq(command.message_seq());
    event.mutable_chat_edited()->set_text(command.text());
    return std::nullopt;
}

problem remove(const room_data& room, const pb::DeleteChat& command, const actor& who, pb::Event& event)
{
    if (auto p = check_reason(command.reason()))
        return p;
    const std::uint64_t seq = command.message_seq();
    if (is_moderator(who) && seq > 0 && older_than_window(room, seq)) {
        // Not in the state any more, so it cannot be checked here; the exports
        // and the history apply the deletion to the message it names.
    } else {
        const pb::ChatMessage* message = nullptr;
        if (auto p = find_live(room, seq, message))
            return p;
        if (!is_moderator(who) && message->author_id() != who.id)
            return reject(pb::ERROR_CODE_NOT_AUTHOR, "only its author or a facilitator may delete a chat message");
    }
    event.mutable_chat_deleted()->set_message_seq(seq);
    event.mutable_chat_deleted()->set_reason(command.reason());
    return std::nullopt;
}

} // namespace

problem validate_chat_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                              pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kSendChat: return send_chat(room, command.send_chat(), who, event);
    case pb::ClientMessage::kReactToChat: return react(room, command.react_to_chat(), who, event);
    case pb::ClientMessage::kEditChat: return edit(room, command.edit_chat(), who, event);
    case pb::ClientMessage::kDeleteChat: return remove(room, command.delete_chat(), who, event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a chat command");
    }
}

} // namespace maptable::model::rules

void maptable::model::apply_chat_change(pb::ChatMessage& message, const pb::Event& event)
{
    switch (event.body_case()) {
    case pb::Event::kChatReacted: {
        const pb::ChatReacted& r = event.chat_reacted();
        auto* reactions = message.mutable_reactions();
        auto it = std::find_if(reactions->begin(), reactions->end(),
                               [&](const pb::Reaction& x) { return x.emoji() == r.emoji(); });
        if (r.removed()) {
            if (it == reactions->end())
                break;
            auto* ids = it->mutable_participant_ids();
            ids->erase(std::remove(ids->begin(), ids->end(), event.actor_id()), ids->end());
            if (ids->empty())
                reactions->erase(it);
        } else {
            pb::Reaction* reaction = nullptr;
            if (it == reactions->end()) {
                reaction = reactions->Add();
                reaction->set_emoji(r.emoji());
            } else {
                reaction = &*it;
            }
            if (std::find(reaction->participant_ids().begin(), reaction->participant_ids().end(), event.actor_id()) ==
                reaction->participant_ids().end())
                reaction->add_participant_ids(event.actor_id());
        }
        break;
    }
    case pb::Event::kChatEdited:
        message.set_text(event.chat_edited().text());
        message.set_edited_seq(event.seq());
        break;
    case pb::Event::kChatDeleted:
        message.clear_text();
        message.clear_mentions();
        message.clear_reactions();
        message.set_deleted(true);
        message.set_deleted_by(event.actor_id());
        message.set_delete_reason(event.chat_deleted().reason());
        break;
    default: break;
    }
}

namespace maptable::model::rules {

void apply_chat_event(room_data& room, const pb::Event& event)
{
    std::uint64_t target = 0;
    switch (event.body_case()) {
    case pb::Event::kChatPosted:
        room.recent_chat.push_back(event.chat_posted().message());
        while (room.recent_chat.size() > limits().recent_chat)
            room.recent_chat.pop_front();
        return;
    case pb::Event::kChatReacted: target = event.chat_reacted().message_seq(); break;
    case pb::Event::kChatEdited: target = event.chat_edited().message_seq(); break;
    case pb::Event::kChatDeleted: target = event.chat_deleted().message_seq(); break;
    default: return;
    }
    if (pb::ChatMessage* message = find_recent(room.recent_chat, target))
        apply_chat_change(*message, event);
}

} // namespace maptable::model::rules
