#include "otp/term.hpp"

#include "otp/detail/pool.hpp"
#include "term_compare.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

namespace otp {

// -- kinds and errors
// ----------------------------------------------------------

std::string_view to_string(term_kind k) noexcept {
  switch (k) {
  case term_kind::integer:
    return "integer";
  case term_kind::float_:
    return "float";
  case term_kind::atom:
    return "atom";
  case term_kind::ref:
    return "ref";
  case term_kind::any:
    return "any";
  case term_kind::pid:
    return "pid";
  case term_kind::tuple:
    return "tuple";
  case term_kind::map:
    return "map";
  case term_kind::nil:
    return "nil";
  case term_kind::cons:
    return "list";
  case term_kind::binary:
    return "binary";
  }
  return "?";
}

bad_term_access::bad_term_access(std::string_view expected, term_kind actual)
    : std::logic_error(fmt::format("otp::term: expected {}, got {}", expected,
                                   to_string(actual))) {}

bad_term_access::bad_term_access(const std::string& what)
    : std::logic_error(what) {}

void term::throw_index_out_of_range() {
  throw std::out_of_range("otp::term: tuple index out of range");
}

void term::throw_bad_access(std::string_view expected) const {
  if (is_bignum() && expected.starts_with("integer"))
    throw bad_term_access(
        fmt::format("otp::term: expected {}, got the bignum {}", expected,
                    as_bignum().to_string()));
  throw bad_term_access(expected, kind());
}

namespace detail {

void throw_bad_any(const term& t, const std::type_info& wanted) {
  if (t.is_any())
    throw bad_term_access(fmt::format(
        "otp::term: expected any holding {}, got any holding {}", wanted.name(),
        static_cast<const any_box*>(term_access::box_of(t))->type->name()));
  throw bad_term_access(fmt::format("any holding {}", wanted.name()), t.kind());
}

void throw_bad_integer(const term& t, std::int64_t min, std::uint64_t max) {
  throw bad_term_access(
      fmt::format("otp::term: expected integer in [{}, {}], got {}", min, max,
                  t.is_integer() ? to_string(t) : to_string(t.kind())));
}

} // namespace detail

term_kind term::kind() const noexcept {
  switch (tag_) {
  case detail::tag::nil:
    return term_kind::nil;
  case detail::tag::small_int:
  case detail::tag::big_int:
    return term_kind::integer;
  case detail::tag::float_:
    return term_kind::float_;
  case detail::tag::atom:
    return term_kind::atom;
  case detail::tag::local_ref:
  case detail::tag::remote_ref:
    return term_kind::ref;
  case detail::tag::pid:
    return term_kind::pid;
  case detail::tag::binary:
    return term_kind::binary;
  case detail::tag::tuple:
    return term_kind::tuple;
  case detail::tag::cons:
    return term_kind::cons;
  case detail::tag::map:
    return term_kind::map;
  case detail::tag::any:
    return term_kind::any;
  }
  return term_kind::nil;
}

// -- boxes
// -----------------------------------------------------------------------

namespace detail {

namespace {
std::atomic<std::uint64_t> any_ids{1};
} // namespace

any_box::any_box(const std::type_info& t, destroy_fn d) noexcept
    : box(box_type::any), type(&t),
      id(any_ids.fetch_add(1, std::memory_order_relaxed)), destroy(d) {
  has_any = true;
}

tuple_box* make_tuple_box(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("otp::term: tuple too large");
  // Tuples are the runtime's most common box (every message with more
  // than one field): they come from the runtime's pool.
  void* mem = pool_allocate(box_payload_offset + n * sizeof(term));
  return new (mem) tuple_box{static_cast<std::uint32_t>(n)};
}

void* cons_box::operator new(std::size_t size) {
  return pool_allocate(size);
}

void cons_box::operator delete(void* p, std::size_t size) noexcept {
  pool_free(p, size);
}

namespace {

map_box* make_map_box(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("otp::term: map too large");
  void* mem = pool_allocate(box_payload_offset + n * sizeof(map_entry));
  return new (mem) map_box{static_cast<std::uint32_t>(n)};
}

/// Frees one box; returns a cons tail whose count also dropped to zero, so
/// the caller can free it next instead of recursing down the list.
box* destroy_one(box* b) noexcept {
  switch (b->type) {
  case box_type::bignum: {
    auto* big = static_cast<bignum_box*>(b);
    big->~bignum_box();
    ::operator delete(big);
    return nullptr;
  }
  case box_type::remote_ref:
    delete static_cast<remote_ref_box*>(b);
    return nullptr;
  case box_type::binary: {
    auto* bin = static_cast<binary_box*>(b);
    box* owner = bin->owner;
    // A root's bytes follow it (see term::binary); a sub-binary is the box.
    const std::size_t bytes = sizeof(binary_box) + (owner ? 0 : bin->size);
    bin->~binary_box();
    pool_free(bin, bytes);
    // A sub-binary is the only owner of nothing but a reference; dropping
    // it may free its root (which never has an owner: no deeper chain).
    if (owner)
      owner->release();
    return nullptr;
  }
  case box_type::tuple: {
    auto* tup = static_cast<tuple_box*>(b);
    auto n = tup->size;
    std::destroy_n(tup->elements(), n);
    tup->~tuple_box();
    pool_free(tup, box_payload_offset + n * sizeof(term));
    return nullptr;
  }
  case box_type::map: {
    auto* m = static_cast<map_box*>(b);
    auto n = m->size;
    std::destroy_n(m->entries(), n);
    m->~map_box();
    pool_free(m, box_payload_offset + n * sizeof(map_entry));
    return nullptr;
  }
  case box_type::cons: {
    auto* cell = static_cast<cons_box*>(b);
    box* next = nullptr;
    if (term_access::tag_of(cell->tail) == tag::cons) {
      box* tail = term_access::box_of(cell->tail);
      term_access::forget(cell->tail); // we now hold its reference
      if (tail->release_is_last())
        next = tail;
    }
    delete cell;
    return next;
  }
  case box_type::any: {
    auto* a = static_cast<any_box*>(b);
    a->destroy(a);
    return nullptr;
  }
  }
  return nullptr;
}

} // namespace

void destroy_box(box* b) noexcept {
  while (b)
    b = destroy_one(b);
}

} // namespace detail

// -- construction
// ----------------------------------------------------------------

void term::init_unsigned(std::uint64_t v) {
  if (v <=
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    tag_ = detail::tag::small_int;
    word_ = v;
    return;
  }
  tag_ = detail::tag::big_int;
  box_ = bignum{v}.box_.detach();
}

term::term(const ref& r) {
  if (r.is_counter()) {
    tag_ = detail::tag::local_ref;
    word_ = r.counter();
    return;
  }
  tag_ = detail::tag::remote_ref;
  box_ = new detail::remote_ref_box{r};
}

term::term(const bignum& b) {
  if (auto small = b.to_int64()) {
    tag_ = detail::tag::small_int;
    word_ = static_cast<std::uint64_t>(*small);
    return;
  }
  tag_ = detail::tag::big_int;
  box_ = b.box_.get();
  box_->add_ref();
}

term::term(std::string_view bytes) : term(binary(bytes)) {}

term term::binary(std::span<const std::byte> bytes) {
  if (bytes.empty())
    return detail::term_access::from_box(detail::tag::binary, nullptr);
  // From the pool, as tuples are: most binaries are small (a crash's
  // message, a key), and the pool sends large ones to operator new.
  void* mem = detail::pool_allocate(sizeof(detail::binary_box) + bytes.size());
  auto* data = static_cast<std::byte*>(mem) + sizeof(detail::binary_box);
  std::memcpy(data, bytes.data(), bytes.size());
  auto* b = new (mem) detail::binary_box{data, bytes.size(), nullptr};
  return detail::term_access::from_box(detail::tag::binary, b);
}

term term::binary(std::span<const std::uint8_t> bytes) {
  return binary(std::as_bytes(bytes));
}

term term::binary(std::string_view bytes) {
  return binary(std::as_bytes(std::span{bytes.data(), bytes.size()}));
}

term term::sub_binary(std::size_t offset, std::size_t len) const {
  auto bytes = as_bytes();
  if (offset > bytes.size() || len > bytes.size() - offset)
    throw std::out_of_range("otp::term: sub_binary past the end");
  if (len == bytes.size())
    return *this;
  if (len == 0)
    return detail::term_access::from_box(detail::tag::binary, nullptr);
  auto* self = static_cast<detail::binary_box*>(box_);
  detail::box* root = self->owner ? self->owner : self;
  auto* sub = new (detail::pool_allocate(sizeof(detail::binary_box)))
      detail::binary_box{self->data + offset, len, root};
  root->add_ref();
  return detail::term_access::from_box(detail::tag::binary, sub);
}

term term::tuple_from(std::span<const term> elems) {
  if (elems.empty())
    return tuple();
  auto* b = detail::make_tuple_box(elems.size());
  term* out = b->elements();
  for (const term& e : elems) {
    new (out++) term(e);
    b->has_any = b->has_any || e.contains_any();
  }
  return detail::term_access::from_box(detail::tag::tuple, b);
}

term term::cons(term head, term tail) {
  auto* b = new detail::cons_box{std::move(head), std::move(tail)};
  return detail::term_access::from_box(detail::tag::cons, b);
}

term term::improper_list(std::span<const term> elems, term tail) {
  term acc = std::move(tail);
  for (auto i = elems.size(); i-- > 0;)
    acc = cons(elems[i], std::move(acc));
  return acc;
}

term term::improper_list(std::initializer_list<term> elems, term tail) {
  return improper_list(std::span{elems.begin(), elems.size()}, std::move(tail));
}

term term::list(std::span<const term> elems) {
  return improper_list(elems, term{});
}

term term::list(std::initializer_list<term> elems) {
  return improper_list(std::span{elems.begin(), elems.size()}, term{});
}

term term::charlist(std::string_view utf8) {
  std::vector<term> codes;
  codes.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();)
    codes.emplace_back(
        static_cast<std::int64_t>(internal::next_code_point(utf8, i)));
  return list(codes);
}

term term::map(std::span<const std::pair<term, term>> entries) {
  if (entries.empty())
    return detail::term_access::from_box(detail::tag::map, nullptr);
  // Sort entry indices by key order, stably, so that among equal keys the
  // last one given wins. Maps in messages are small: their indices stay on
  // the stack and an insertion sort does.
  constexpr std::size_t small_map = 16;
  std::array<std::size_t, small_map> small_order;
  std::vector<std::size_t> large_order;
  std::span<std::size_t> order;
  if (entries.size() <= small_map) {
    order = std::span{small_order.data(), entries.size()};
  } else {
    large_order.resize(entries.size());
    order = large_order;
  }
  for (std::size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  auto key_less = [&](std::size_t a, std::size_t b) {
    return detail::compare_keys(entries[a].first, entries[b].first) < 0;
  };
  if (entries.size() <= small_map) {
    for (std::size_t i = 1; i < order.size(); ++i)
      for (std::size_t k = i; k > 0 && key_less(order[k], order[k - 1]); --k)
        std::swap(order[k], order[k - 1]);
  } else {
    std::stable_sort(order.begin(), order.end(), key_less);
  }
  std::size_t kept = 0;
  for (auto i : order) {
    if (kept > 0 && detail::compare_keys(entries[order[kept - 1]].first,
                                         entries[i].first) == 0)
      order[kept - 1] = i;
    else
      order[kept++] = i;
  }
  auto* b = detail::make_map_box(kept);
  auto* out = b->entries();
  for (auto i : order.first(kept)) {
    new (out++) map_entry{entries[i].first, entries[i].second};
    b->has_any = b->has_any || entries[i].first.contains_any() ||
                 entries[i].second.contains_any();
  }
  return detail::term_access::from_box(detail::tag::map, b);
}

term term::map(std::initializer_list<std::pair<term, term>> entries) {
  return map(std::span{entries.begin(), entries.size()});
}

term term::parse_integer(std::string_view decimal) {
  auto b = bignum::parse(decimal);
  if (!b)
    throw std::invalid_argument(
        fmt::format("otp::term: not a decimal integer: '{}'", decimal));
  return term{*b};
}

// -- access
// ------------------------------------------------------------------------

ref term::as_ref() const {
  if (tag_ == detail::tag::local_ref)
    return ref::local_from_counter(word_);
  if (tag_ == detail::tag::remote_ref)
    return static_cast<const detail::remote_ref_box*>(box_)->value;
  throw_bad_access("ref");
}

bignum term::as_bignum() const {
  if (tag_ == detail::tag::small_int)
    return bignum{static_cast<std::int64_t>(word_)};
  if (tag_ != detail::tag::big_int)
    throw_bad_access("integer");
  return bignum{detail::intrusive_ptr<detail::bignum_box>{
      static_cast<detail::bignum_box*>(box_)}};
}

std::size_t term::size() const {
  switch (tag_) {
  case detail::tag::tuple:
    return box_ ? static_cast<const detail::tuple_box*>(box_)->size : 0;
  case detail::tag::map:
    return box_ ? static_cast<const detail::map_box*>(box_)->size : 0;
  case detail::tag::binary:
    return box_ ? static_cast<const detail::binary_box*>(box_)->size : 0;
  default:
    throw_bad_access("tuple, map or binary");
  }
}

bool term::is_proper_list() const noexcept {
  const term* at = this;
  while (at->is_cons())
    at = &static_cast<const detail::cons_box*>(at->box_)->tail;
  return at->is_nil();
}

const term* term::find(const term& key) const {
  auto entries = as_map();
  auto it = std::lower_bound(entries.begin(), entries.end(), key,
                             [](const map_entry& e, const term& k) {
                               return detail::compare_keys(e.key, k) < 0;
                             });
  if (it != entries.end() && detail::compare_keys(it->key, key) == 0)
    return &it->value;
  return nullptr;
}

std::size_t list_view::size() const noexcept {
  std::size_t n = 0;
  for (auto it = begin(); it != end(); ++it)
    ++n;
  return n;
}

const term& list_view::tail() const noexcept {
  const term* at = list_;
  while (at->is_cons())
    at = &at->tail();
  return *at;
}

} // namespace otp
