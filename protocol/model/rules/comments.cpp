// Layer: model. Comment threads: a discussion anchored to a feature or to a
// place. Start, reply, edit, delete, resolve and reopen.
//
// Who may send each command at all (role, comment audience, mute) is settled
// by permissions.cpp before this file runs; here are authorship and content:
//   - a comment is edited or deleted by its author or a facilitator;
//   - a thread is resolved or reopened by whoever started it or a facilitator.
// An edit or a delete leaves a visible trace (edited_seq; deleted, deleted_by,
// reason); the state forgets the deleted words, the log keeps them for the
// audit trail. A thread outlives its feature: detach_threads() keeps it on the
// map at the feature's last location.
#include "model/rules/attachments.hpp"
#include "model/rules/rules.hpp"

#include "model/limits.hpp"

#include <algorithm>

namespace maptable::model::rules {

namespace {

// A thread is a conversation about one place, not a forum: past this many
// comments (deleted ones included, they keep their trace) the thread is full
// and people start a new one. It also bounds how much one thread adds to the
// state and to every Welcome.
constexpr int max_comments_per_thread = 500;

bool is_moderator(const actor& who)
{
    return who.role == pb::ROLE_FACILITATOR || who.role == pb::ROLE_ADMIN;
}

problem check_comment_text(std::string_view text)
{
    return check_message_text("text", text, limits().max_description_chars);
}

problem find_thread(const room_data& room, const std::string& id, const pb::Thread*& found)
{
    const auto it = room.threads.find(id);
    if (it == room.threads.end())
        return reject(pb::ERROR_CODE_THREAD_NOT_FOUND, "there is no thread with id " + quote_short(id));
    found = &it->second;
    return std::nullopt;
}

// Comments are kept oldest first, so by seq.
pb::Comment* find_comment(pb::Thread& thread, std::uint64_t seq)
{
    auto& comments = *thread.mutable_comments();
    const auto it = std::lower_bound(comments.begin(), comments.end(), seq,
                                     [](const pb::Comment& c, std::uint64_t s) { return c.seq() < s; });
    return it != comments.end() && it->seq() == seq ? &*it : nullptr;
}

const pb::Comment* find_comment(const pb::Thread& thread, std::uint64_t seq)
{
    return find_comment(const_cast<pb::Thread&>(thread), seq);
}

// The comment in the thread, not deleted, that the actor wrote or moderates.
problem find_own_comment(const room_data& room, const std::string& thread_id, std::uint64_t seq, const actor& who,
                         const char* verb, const pb::Comment*& found)
{
    const pb::Thread* thread = nullptr;
    if (auto p = find_thread(room, thread_id, thread))
        return p;
    found = find_comment(*thread, seq);
    if (!found)
        return reject(pb::ERROR_CODE_COMMENT_NOT_FOUND,
                      "thread " + quote_short(thread_id) + " has no comment with seq " + std::to_string(seq));
    if (found->deleted())
        return reject(pb::ERROR_CODE_ALREADY_DELETED, "comment " + std::to_string(seq) + " was deleted");
    if (!is_moderator(who) && found->author_id() != who.id)
        return reject(pb::ERROR_CODE_NOT_AUTHOR,
                      std::string("only its author or a facilitator may ") + verb + " a comment");
    return std::nullopt;
}

pb::Comment new_comment(const pb::Event& event, const actor& who, const std::string& text)
{
    pb::Comment comment;
    comment.set_seq(event.seq());
    comment.set_author_id(who.id);
    comment.set_author_name(who.name);
    comment.set_text(text);
    comment.set_time_ms(event.time_ms());
    return comment;
}

problem start_thread(const room_data& room, const pb::StartThread& command, const actor& who, pb::Event& event)
{
    if (auto p = check_id("thread", command.thread_id()))
        return p;
    if (room.threads.count(command.thread_id()))
        return reject(pb::ERROR_CODE_THREAD_EXISTS,
                      "a thread with id " + quote_short(command.thread_id()) + " already exists; choose another id");

    pb::Thread thread;
    thread.set_id(command.thread_id());
    switch (command.anchor_case()) {
    case pb::StartThread::kFeatureId: {
        const auto it = room.features.find(command.feature_id());
        if (it == room.features.end())
            return reject(pb::ERROR_CODE_FEATURE_NOT_FOUND,
                          "the thread is about feature " + quote_short(command.feature_id()) +
                              ", which does not exist");
        thread.set_feature_id(command.feature_id());
        // Where the feature is now, so that exports can place the thread
        // without looking the feature up (and detach_threads() updates it).
        if (it->second.geometry().positions_size() > 0)
            *thread.mutable_position() = it->second.geometry().positions(0);
        break;
    }
    case pb::StartThread::kPosition:
        if (auto p = at("position", check_position(command.position())))
            return p;
        if (auto p = check_inside(room.info, command.position()))
            return p;
        *thread.mutable_position() = command.position();
        break;
    default:
        return reject(pb::ERROR_CODE_INVALID_COORDINATE,
                      "a thread is anchored to a feature (feature_id) or to a place (position); this one has neither");
    }
    if (auto p = check_comment_text(command.text()))
        return p;
    if (auto p = check_attachment_ids(room, command.attachment_ids()))
        return p;

    thread.set_author_id(who.id);
    *thread.add_comments() = new_comment(event, who, command.text());
    *thread.mutable_comments(0)->mutable_attachment_ids() = command.attachment_ids();
    thread.set_created_seq(event.seq());
    thread.set_session_id(event.session_id());
    *event.mutable_thread_started()->mutable_thread() = std::move(thread);
    return std::nullopt;
}

problem add_comment(const room_data& room, const pb::AddComment& command, const actor& who, pb::Event& event)
{
    const pb::Thread* thread = nullptr;
    if (auto p = find_thread(room, command.thread_id(), thread))
        return p;
    if (auto p = check_comment_text(command.text()))
        return p;
    if (auto p = check_attachment_ids(room, command.attachment_ids()))
        return p;
    // No code names "this thread is full"; INVALID_LIMIT is the one that says
    // "a limit of this protocol was reached", and the text says what to do.
    if (thread->comments_size() >= max_comments_per_thread)
        return reject(pb::ERROR_CODE_INVALID_LIMIT,
                      "thread " + quote_short(command.thread_id()) + " is full: it has " +
                          std::to_string(max_comments_per_thread) +
                          " comments, the most a thread holds; start a new thread");

    pb::CommentAdded& added = *event.mutable_comment_added();
    added.set_thread_id(command.thread_id());
    *added.mutable_comment() = new_comment(event, who, command.text());
    *added.mutable_comment()->mutable_attachment_ids() = command.attachment_ids();
    return std::nullopt;
}

problem edit_comment(const room_data& room, const pb::EditComment& command, const actor& who, pb::Event& event)
{
    const pb::Comment* comment = nullptr;
    if (auto p = find_own_comment(room, command.thread_id(), command.comment_seq(), who, "edit", comment))
        return p;
    if (auto p = check_comment_text(command.text()))
        return p;
    if (command.text() == comment->text())
        return reject(pb::ERROR_CODE_NO_CHANGE, "the new text is the same as the old one");

    pb::CommentEdited& edited = *event.mutable_comment_edited();
    edited.set_thread_id(command.thread_id());
    edited.set_comment_seq(command.comment_seq());
    edited.set_text(command.text());
    return std::nullopt;
}

problem delete_comment(const room_data& room, const pb::DeleteComment& command, const actor& who, pb::Event& event)
{
    const pb::Comment* comment = nullptr;
    if (auto p = find_own_comment(room, command.thread_id(), command.comment_seq(), who, "delete", comment))
        return p;
    if (auto p = check_reason(command.reason()))
        return p;

    pb::CommentDeleted& deleted = *event.mutable_comment_deleted();
    deleted.set_thread_id(command.thread_id());
    deleted.set_comment_seq(command.comment_seq());
    deleted.set_reason(command.reason());
    return std::nullopt;
}

problem resolve_thread(const room_data& room, const pb::ResolveThread& command, const actor& who, pb::Event& event)
{
    const pb::Thread* thread = nullptr;
    if (auto p = find_thread(room, command.thread_id(), thread))
        return p;
    if (!is_moderator(who) && thread->author_id() != who.id)
        return reject(pb::ERROR_CODE_NOT_AUTHOR,
                      std::string("only whoever started the thread or a facilitator may ") +
                          (command.resolved() ? "resolve" : "reopen") + " it");
    if (thread->resolved() == command.resolved())
        return reject(pb::ERROR_CODE_NO_CHANGE,
                      "thread " + quote_short(command.thread_id()) +
                          (command.resolved() ? " is already resolved" : " is not resolved"));

    event.mutable_thread_resolved()->set_thread_id(command.thread_id());
    event.mutable_thread_resolved()->set_resolved(command.resolved());
    return std::nullopt;
}

} // namespace

problem validate_comment_command(const room_data& room, const pb::ClientMessage& command, const actor& who,
                                 pb::Event& event)
{
    switch (command.body_case()) {
    case pb::ClientMessage::kStartThread: return start_thread(room, command.start_thread(), who, event);
    case pb::ClientMessage::kAddComment: return add_comment(room, command.add_comment(), who, event);
    case pb::ClientMessage::kEditComment: return edit_comment(room, command.edit_comment(), who, event);
    case pb::ClientMessage::kDeleteComment: return delete_comment(room, command.delete_comment(), who, event);
    case pb::ClientMessage::kResolveThread: return resolve_thread(room, command.resolve_thread(), who, event);
    default: return reject(pb::ERROR_CODE_INTERNAL, "not a comment command");
    }
}

void apply_comment_event(room_data& room, const pb::Event& event)
{
    // Total: an event naming a thread or a comment that is not there changes nothing.
    const auto thread_named = [&](const std::string& id) -> pb::Thread* {
        const auto it = room.threads.find(id);
        return it == room.threads.end() ? nullptr : &it->second;
    };
    switch (event.body_case()) {
    case pb::Event::kThreadStarted: {
        const pb::Thread& thread = event.thread_started().thread();
        room.threads.try_emplace(thread.id(), thread);
        break;
    }
    case pb::Event::kCommentAdded:
        if (pb::Thread* thread = thread_named(event.comment_added().thread_id()))
            *thread->add_comments() = event.comment_added().comment();
        break;
    case pb::Event::kCommentEdited: {
        const pb::CommentEdited& edited = event.comment_edited();
        if (pb::Thread* thread = thread_named(edited.thread_id()))
            if (pb::Comment* comment = find_comment(*thread, edited.comment_seq())) {
                comment->set_text(edited.text());
                comment->set_edited_seq(event.seq());
            }
        break;
    }
    case pb::Event::kCommentDeleted: {
        const pb::CommentDeleted& deleted = event.comment_deleted();
        if (pb::Thread* thread = thread_named(deleted.thread_id()))
            if (pb::Comment* comment = find_comment(*thread, deleted.comment_seq())) {
                comment->clear_text();
                comment->set_deleted(true);
                comment->set_deleted_by(event.actor_id());
                comment->set_delete_reason(deleted.reason());
                // A deleted comment shows nothing: its photos go with its words.
                const auto attachments = comment->attachment_ids();
                comment->clear_attachment_ids();
                release_unnamed(room, attachments, event.seq());
            }
        break;
    }
    case pb::Event::kThreadResolved:
        if (pb::Thread* thread = thread_named(event.thread_resolved().thread_id())) {
            thread->set_resolved(event.thread_resolved().resolved());
            if (thread->resolved())
                thread->set_resolved_by(event.actor_id());
            else
                thread->clear_resolved_by();
        }
        break;
    default: break;
    }
}

void detach_threads(room_data& room, const pb::Feature& feature)
{
    for (auto& [id, thread] : room.threads) {
        // A thread already detached belongs to an earlier feature of that id.
        if (thread.feature_id() != feature.id() || thread.feature_deleted())
            continue;
        thread.set_feature_deleted(true);
        if (feature.geometry().positions_size() > 0)
            *thread.mutable_position() = feature.geometry().positions(0);
    }
}

} // namespace maptable::model::rules
