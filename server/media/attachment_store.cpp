// Layer: media. What every attachment store shares: the record an upload
// makes, and the ids and hashes that name attachments and their bytes.
#include "media/attachment_store.hpp"

#include "store/random_hex.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace maptable::media {

namespace {

std::string hex(const unsigned char* data, std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0xF];
    }
    return out;
}

} // namespace

std::string sha256_hex(std::string_view bytes)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed (OpenSSL EVP_Digest)");
    return hex(digest.data(), size);
}

bool valid_attachment_id(std::string_view text)
{
    if (text.size() != 32)
        return false;
    for (char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

attachment_store::put_result attachment_store::put(const processed_upload& upload, std::string_view room,
                                                   std::string_view uploader, std::string_view idempotency_key,
                                                   std::int64_t now_ms)
{
    attachment_record record;
    record.id = store::random_hex(16, "an attachment id");
    record.room = std::string(room);
    record.uploader = std::string(uploader);
    record.type = upload.type;
    record.sha256 = sha256_hex(upload.bytes);
    record.size = upload.bytes.size();
    record.width = upload.width;
    record.height = upload.height;
    record.gps = upload.gps;
    record.has_thumbnail = !upload.thumbnail.empty();
    record.created_ms = now_ms;
    record.idempotency_key = std::string(idempotency_key);
    return store(record, upload);
}

} // namespace maptable::media
