// The signal inbox's states (empty, blocked, closed) and what a push onto
// each gives back. Single-threaded: the concurrent cases run in
// tests/concurrency under TSan.

#include "otp/detail/inbox.hpp"

#include <gtest/gtest.h>

namespace inbox_test {

using otp::detail::inbox;
using otp::detail::signal;

TEST(Inbox, PushesComeOutOldestFirst) {
  inbox box;
  signal a, b;
  EXPECT_EQ(box.push(&a), inbox::push_result::queued);
  EXPECT_EQ(box.push(&b), inbox::push_result::queued);
  signal* taken = box.take_all();
  ASSERT_EQ(taken, &a);
  EXPECT_EQ(a.next, &b);
  EXPECT_EQ(b.next, nullptr);
}

TEST(Inbox, ThePushOntoABlockedInboxUnblocksIt) {
  inbox box;
  ASSERT_TRUE(box.try_block());
  signal a;
  EXPECT_EQ(box.push(&a), inbox::push_result::unblocked);
  EXPECT_EQ(box.take_all(), &a);
}

TEST(Inbox, APushOntoAClosedInboxGivesTheSignalBackAlone) {
  // A sender whose compare-exchange lost to the owner's close had already
  // linked its signal to the owner's queue; the signal must come back
  // unlinked, or the sender would bounce signals the owner also bounces.
  inbox box;
  signal queued;
  ASSERT_EQ(box.push(&queued), inbox::push_result::queued);
  ASSERT_EQ(box.close(), &queued);
  signal late;
  late.next = &queued; // as a lost compare-exchange leaves it
  EXPECT_EQ(box.push(&late), inbox::push_result::closed);
  EXPECT_EQ(late.next, nullptr);
}

} // namespace inbox_test
