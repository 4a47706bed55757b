// The runtime on its real multi-threaded scheduler (label `concurrency`;
// CI runs these under ThreadSanitizer). Every test synchronises on
// messages, monitors and exit reasons: nothing sleeps, every loop is
// bounded, and receive timeouts are only failure guards, except where a
// timeout is what is tested.

#include "otp/actor.hpp"
#include "otp/gen_server.hpp"
#include "otp/runtime.hpp"
#include "otp/scoped_mailbox.hpp"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace otp::literals;
using namespace std::chrono_literals;
using otp::pid;
using otp::ref;
using otp::term;
namespace atoms = otp::atoms;

namespace otp {
inline void PrintTo(const term& t, std::ostream* os) {
  *os << to_string(t);
}
} // namespace otp

namespace {

/// How long a receive waits before the test calls it a failure.
constexpr auto guard = 60s;

/// More workers than cores: more interleavings on small machines.
otp::runtime_options options() {
  return otp::runtime_options{.workers = 4};
}

bool is_down(const term& m) {
  return m.is_tuple() && m.size() == 5 && m[0] == term{atoms::DOWN};
}

bool tagged(const term& m, otp::atom tag) {
  return m.is_tuple() && m.size() >= 1 && m[0] == term{tag};
}

otp::task<> wait_forever(otp::process& self) {
  co_await self.receive([](const term&) { return false; });
}

/// Ends (normally) on its first message.
otp::task<> end_on_message(otp::process& self) {
  co_await self.receive();
}

otp::task<> exit_with_first_message(otp::process& self) {
  auto reason = co_await self.receive();
  self.exit(std::move(reason));
}

otp::task<> crash_at_once(otp::process&) {
  throw std::runtime_error("boom");
  co_return;
}

constexpr const char* boom = R"({exception,'std::runtime_error',<<"boom">>})";

} // namespace

TEST(RuntimeConcurrency, RingPassesATokenAroundManyTimes) {
  constexpr int n = 10'000;
  constexpr int rounds = 10;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto node = [](otp::process& self, pid report) -> otp::task<> {
    // The neighbour comes first; a token overtaking it waits its turn.
    auto hello = co_await self.receive(
        [](const term& m) { return tagged(m, "next"_a); });
    auto next = hello[1].as_pid();
    for (;;) {
      auto m = co_await self.receive();
      if (m == term{"stop"_a})
        co_return;
      auto hops = m.as_int();
      if (hops == 0)
        self.send(report, term{"done"_a, self.self()});
      else
        self.send(next, hops - 1);
    }
  };
  std::vector<pid> ring;
  ring.reserve(n);
  for (int i = 0; i < n; ++i)
    ring.push_back(rt.spawn(node, me.self()));
  for (int i = 0; i < n; ++i)
    rt.send(ring[i], term{"next"_a, ring[(i + 1) % n]});
  rt.send(ring[0], n * rounds);
  auto done = me.receive(guard);
  ASSERT_TRUE(done) << "the token never came back";
  // n * rounds hops from ring[0] end at ring[0].
  EXPECT_EQ(*done, (term{"done"_a, ring[0]}));
  std::set<ref> tags;
  for (auto& p : ring)
    tags.insert(me.monitor(p));
  for (auto& p : ring)
    rt.send(p, "stop"_a);
  for (int i = 0; i < n; ++i) {
    auto down = me.receive(guard);
    ASSERT_TRUE(down) << "only " << i << " nodes stopped";
    ASSERT_TRUE(is_down(*down)) << to_string(*down);
    EXPECT_EQ((*down)[4], term{atoms::normal});
    EXPECT_EQ(tags.erase((*down)[1].as_ref()), 1u);
  }
  EXPECT_EQ(me.pending(), 0u);
}

TEST(RuntimeConcurrency, ManySendersToOneReceiverKeepPerSenderOrder) {
  constexpr int process_senders = 8;
  constexpr int thread_senders = 2;
  constexpr int senders = process_senders + thread_senders;
  constexpr int per_sender = 10'000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto receiver = rt.spawn(
      [](otp::process& self, pid report) -> otp::task<> {
        std::vector<std::int64_t> next(senders, 0);
        std::int64_t out_of_order = 0;
        for (int i = 0; i < senders * per_sender; ++i) {
          auto m = co_await self.receive();
          auto& expected = next[static_cast<std::size_t>(m[0].as_int())];
          if (m[1].as_int() != expected)
            ++out_of_order;
          expected = m[1].as_int() + 1;
        }
        self.send(report, term{"result"_a, out_of_order});
      },
      me.self());
  auto sender = [receiver](otp::process& self, int index) -> otp::task<> {
    for (int i = 0; i < per_sender; ++i) {
      self.send(receiver, term{index, i});
      if (i % 100 == 0)
        co_await self.yield();
    }
  };
  for (int s = 0; s < process_senders; ++s)
    rt.spawn(sender, s);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_senders; ++t)
    threads.emplace_back([&rt, receiver, t] {
      otp::scoped_mailbox mine{rt};
      for (int i = 0; i < per_sender; ++i)
        mine.send(receiver, term{process_senders + t, i});
    });
  for (auto& t : threads)
    t.join();
  auto result = me.receive(guard);
  ASSERT_TRUE(result) << "the receiver did not get every message";
  EXPECT_EQ(*result, (term{"result"_a, 0}));
}

// process_info counts what still waits in a process's inbox while senders
// push and the owner takes: the counting thread walks signals the owner
// may be taking at that moment (ThreadSanitizer checks the hand-off).
TEST(RuntimeConcurrency,
     MessageQueueLenIsCountedWhileSendersPushAndOwnerTakes) {
  constexpr int senders = 3;
  constexpr int per_sender = 5'000;
  constexpr std::size_t total = senders * per_sender;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto sink = rt.spawn(
      [](otp::process& self, pid report) -> otp::task<> {
        for (std::size_t i = 0; i < total; ++i)
          (void)co_await self.receive();
        self.send(report, "drained"_a);
        co_await wait_forever(self);
      },
      me.self());
  std::atomic<bool> drained{false};
  std::size_t largest = 0;
  std::thread counter{[&] {
    while (!drained.load(std::memory_order_relaxed))
      if (auto info = rt.info(sink))
        largest = std::max(largest, info->message_queue_len);
  }};
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&rt, sink] {
      otp::scoped_mailbox mine{rt};
      for (int i = 0; i < per_sender; ++i)
        mine.send(sink, i);
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(me.receive(guard), term{"drained"_a});
  drained = true;
  counter.join();
  EXPECT_LE(largest, total);
  EXPECT_EQ(rt.info(sink)->message_queue_len, 0u);
}

TEST(RuntimeConcurrency, HundredThousandMonitoredProcessesEachGiveOneDown) {
  constexpr int total = 100'000;
  // Alive at once. Bounded for memory, and because a process's monitor
  // list is a vector erased from the front per DOWN (quadratic in the
  // number a single process holds).
  constexpr int batch = 1'000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  int downs = 0;
  int not_normal = 0;
  for (int done = 0; done < total; done += batch) {
    std::vector<pid> ps;
    std::set<ref> tags;
    ps.reserve(batch);
    for (int i = 0; i < batch; ++i) {
      ps.push_back(rt.spawn(end_on_message));
      tags.insert(me.monitor(ps.back()));
    }
    for (auto& p : ps)
      rt.send(p, "go"_a);
    for (int i = 0; i < batch; ++i) {
      auto m = me.receive(guard);
      ASSERT_TRUE(m) << "missing DOWNs after " << downs;
      ASSERT_TRUE(is_down(*m)) << to_string(*m);
      ASSERT_EQ(tags.erase((*m)[1].as_ref()), 1u) << "unknown or second DOWN";
      if ((*m)[4] != term{atoms::normal})
        ++not_normal;
      ++downs;
    }
    ASSERT_TRUE(tags.empty());
  }
  EXPECT_EQ(downs, total);
  EXPECT_EQ(not_normal, 0);
  EXPECT_EQ(me.pending(), 0u);
  EXPECT_EQ(rt.process_count(), 1u); // the mailbox
}

TEST(RuntimeConcurrency, ScopedMailboxReceiveTimesOut) {
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto t0 = std::chrono::steady_clock::now();
  auto m = me.receive(50ms); // the timeout is what is tested here
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(m, std::nullopt);
  EXPECT_GE(waited, 50ms);
}

TEST(RuntimeConcurrency, ScopedMailboxGetsRepliesWhileWaiting) {
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto echo = rt.spawn([](otp::process& self) -> otp::task<> {
    for (;;) {
      auto m = co_await self.receive();
      self.send(m[0].as_pid(), m[1]);
    }
  });
  for (int i = 0; i < 100; ++i) {
    me.send(echo, term{me.self(), i});
    EXPECT_EQ(me.receive(guard), term{i});
  }
}

TEST(RuntimeConcurrency, ScopedMailboxSelectiveReceiveLeavesOthersInOrder) {
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto p = rt.spawn(
      [](otp::process& self, pid to) -> otp::task<> {
        co_await self.receive();
        for (int i = 0; i < 5; ++i)
          self.send(to, i);
        self.send(to, "last"_a);
      },
      me.self());
  auto tag = me.monitor(p);
  me.send(p, "go"_a);
  auto last =
      me.receive([](const term& m) { return m == term{"last"_a}; }, guard);
  ASSERT_EQ(last, term{"last"_a});
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(me.receive(guard), term{i});
  auto down = me.receive(guard);
  ASSERT_TRUE(down);
  EXPECT_EQ(*down, (term{atoms::DOWN, tag, atoms::process, p, atoms::normal}));
}

TEST(RuntimeConcurrency, ScopedMailboxHearsExitSignalsAsMessages) {
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto p = rt.spawn(
      [](otp::process& self, pid to) -> otp::task<> {
        self.exit(to, "boom"_a);
        co_return;
      },
      me.self());
  EXPECT_EQ(me.receive(guard), (term{atoms::EXIT, p, "boom"_a}));
}

TEST(RuntimeConcurrency, WaitReturnsTheExitReason) {
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto p = rt.spawn(exit_with_first_message);
  // p is told to exit only once wait's monitor is on it: sent at once, a
  // worker may run p to its end before the monitor lands (then noproc, as
  // erl gives).
  std::thread trigger{[&] {
    for (auto info = rt.info(p); info && info->monitored_by.empty();
         info = rt.info(p))
      std::this_thread::yield();
    rt.send(p, term{atoms::shutdown, "done"_a});
  }};
  EXPECT_EQ(me.wait(p, guard), (term{atoms::shutdown, "done"_a}));
  trigger.join();
  // Already gone: noproc.
  EXPECT_EQ(me.wait(p, guard), term{atoms::noproc});
  // Still alive when the timeout passes: nullopt, and no DOWN left behind.
  auto q = rt.spawn(wait_forever);
  EXPECT_EQ(me.wait(q, 20ms), std::nullopt);
  rt.exit(q, atoms::kill);
  // wait's monitor races the kill: set up first, the DOWN says killed; if q
  // has already acted on the kill when the monitor arrives, noproc (erl).
  auto reason = me.wait(q, guard);
  EXPECT_TRUE(reason == term{atoms::killed} || reason == term{atoms::noproc})
      << to_string(*reason);
  EXPECT_EQ(me.pending(), 0u);
}

TEST(RuntimeConcurrency, ScopedMailboxReceiveReturnsAtOnceAfterShutdown) {
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  rt.spawn(wait_forever);
  rt.shutdown();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(me.receive(guard), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, guard / 2);
  EXPECT_EQ(rt.process_count(), 0u);
}

namespace {

struct counted {
  std::atomic<int>* count;
  ~counted() { count->fetch_add(1, std::memory_order_relaxed); }
};

class counted_actor final : public otp::actor {
public:
  counted_actor(std::atomic<int>* count, pid report)
      : guard_{count}, report_(std::move(report)) {}
  void init(otp::process& self) override { self.send(report_, "started"_a); }
  void handle_message(otp::process&, term) override {}

private:
  counted guard_;
  pid report_;
};

} // namespace

TEST(RuntimeConcurrency, DestroyingTheRuntimeEndsLiveProcessesCleanly) {
  // Every kind of live process at destruction: waiting (some on a receive
  // timer), always runnable, actors, linked and monitoring ones with
  // pending timers. All end; every coroutine frame and actor object is
  // destroyed (counted); ASan/LSan builds see no leak.
  constexpr int waiting = 1000;
  constexpr int busy = 50;
  constexpr int actors = 200;
  constexpr int pairs = 100;
  constexpr int reporting = waiting + busy + actors + pairs;
  std::atomic<int> destroyed{0};
  {
    otp::runtime rt{options()};
    otp::scoped_mailbox me{rt}; // destroyed first, as it must be
    auto report = me.self();
    for (int i = 0; i < waiting; ++i)
      rt.spawn([&destroyed, report](otp::process& self) -> otp::task<> {
        counted c{&destroyed};
        self.send_after(1h, self.self(), "never"_a); // started before we report
        self.send(report, "started"_a);
        co_await self.receive(30s); // a pending receive timer too
        co_await self.receive([](const term&) { return false; });
      });
    for (int i = 0; i < busy; ++i)
      rt.spawn([&destroyed, report](otp::process& self) -> otp::task<> {
        counted c{&destroyed};
        self.send(report, "started"_a);
        for (;;) {
          self.send(self.self(), "spin"_a);
          co_await self.receive();
        }
      });
    for (int i = 0; i < actors; ++i)
      rt.spawn_actor<counted_actor>(&destroyed, report);
    for (int i = 0; i < pairs; ++i)
      rt.spawn([&destroyed, report](otp::process& self) -> otp::task<> {
        counted c{&destroyed};
        auto child = self.spawn_link(wait_forever);
        self.monitor(child);
        self.send_after(1h, self.self(), "never"_a);
        self.send(report, "started"_a);
        co_await self.receive([](const term&) { return false; });
      });
    for (int i = 0; i < reporting; ++i)
      ASSERT_EQ(me.receive(guard), term{"started"_a}) << "after " << i;
    EXPECT_EQ(rt.process_count(),
              static_cast<std::size_t>(reporting + pairs + 1));
    EXPECT_GE(rt.pending_timers(), static_cast<std::size_t>(waiting + pairs));
  } // ~scoped_mailbox, then ~runtime with everything still running
  EXPECT_EQ(destroyed.load(), reporting);
}

TEST(RuntimeConcurrency, KillingOneEndOfALinkedChainTakesItAllDown) {
  constexpr int n = 1000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  struct node {
    pid report;
    int left;
    otp::task<> operator()(otp::process& self) const {
      self.send(report, term{"up"_a, self.self(), left});
      if (left > 0)
        self.spawn_link(node{report, left - 1});
      co_await self.receive([](const term&) { return false; });
    }
  };
  rt.spawn(node{me.self(), n - 1});
  std::vector<pid> chain(n);
  for (int i = 0; i < n; ++i) {
    auto up = me.receive(guard);
    ASSERT_TRUE(up) << "only " << i << " nodes came up";
    chain[static_cast<std::size_t>((*up)[2].as_int())] = (*up)[1].as_pid();
  }
  std::map<ref, pid> tags;
  for (auto& p : chain)
    tags.emplace(me.monitor(p), p);
  rt.exit(chain[0], atoms::kill); // the tail end (left == 0)
  std::set<pid> dead;
  for (int i = 0; i < n; ++i) {
    auto m = me.receive(guard);
    ASSERT_TRUE(m) << "only " << i << " of the chain ended";
    ASSERT_TRUE(is_down(*m)) << to_string(*m);
    EXPECT_EQ((*m)[4], term{atoms::killed});
    EXPECT_TRUE(dead.insert((*m)[3].as_pid()).second);
  }
  EXPECT_EQ(dead.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(rt.process_count(), 1u);
}

TEST(RuntimeConcurrency, SpawnLinkIsAtomicUnderRealThreads) {
  // Parents spawn_link a child that crashes at once: each parent ends with
  // the child's reason, never survives, never sees noproc.
  constexpr int parents = 1000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  rt.spawn(
      [](otp::process& self, pid report) -> otp::task<> {
        auto parent = [](otp::process& p) -> otp::task<> {
          p.spawn_link(crash_at_once);
          co_await p.receive(30s);
          p.exit("survived"_a);
        };
        for (int i = 0; i < parents; ++i)
          self.spawn_monitor(parent);
        for (int i = 0; i < parents; ++i) {
          auto down = co_await self.receive(is_down);
          self.send(report, down[4]);
        }
      },
      me.self());
  std::map<std::string, int> reasons;
  for (int i = 0; i < parents; ++i) {
    auto r = me.receive(guard);
    ASSERT_TRUE(r) << "only " << i << " parents ended";
    ++reasons[to_string(*r)];
  }
  EXPECT_EQ(reasons, (std::map<std::string, int>{{boom, parents}}));
}

TEST(RuntimeConcurrency, NameRegisteredWhileTheProcessEndsIsFreed) {
  // register_name racing with the process's own end: whichever wins, once
  // the process is gone the name is free (never left naming a dead pid).
  // The window is a few instructions wide: many attempts to hit it.
  constexpr int attempts = 100'000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  int registered = 0;
  int stuck = 0;
  for (int i = 0; i < attempts; ++i) {
    auto p = rt.spawn(end_on_message);
    auto tag = me.monitor(p);
    rt.send(p, "go"_a);
    if (rt.register_name("racing_name"_a, p))
      ++registered;
    auto down = me.receive(guard);
    ASSERT_TRUE(down) << "attempt " << i;
    ASSERT_EQ((*down)[1], term{tag});
    if (rt.whereis("racing_name"_a)) {
      ++stuck;
      (void)rt.unregister("racing_name"_a);
    }
  }
  EXPECT_EQ(stuck, 0) << "of " << registered << " registrations";
}

TEST(RuntimeConcurrency, TimersToAProcessDieWithItEvenWhenStartedAsItEnds) {
  // erl: a timer to a pid goes with that process. Here each timer is
  // started by another process at the same time as its destination is
  // killed; whichever comes first, no timer is left pending.
  constexpr int n = 2'000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  std::vector<pid> targets, starters;
  for (int i = 0; i < n; ++i) {
    targets.push_back(rt.spawn(wait_forever));
    starters.push_back(rt.spawn(
        [](otp::process& self, pid target, pid report) -> otp::task<> {
          co_await self.receive();
          self.send_after(1h, target, "late"_a);
          self.start_timer(1h, target, "late"_a);
          self.send(report, "armed"_a);
        },
        targets.back(), me.self()));
  }
  for (auto& t : targets)
    (void)me.monitor(t);
  for (int i = 0; i < n; ++i) {
    rt.send(starters[static_cast<std::size_t>(i)], "go"_a);
    rt.exit(targets[static_cast<std::size_t>(i)], atoms::kill);
  }
  int armed = 0, downs = 0;
  for (int i = 0; i < 2 * n; ++i) {
    auto m = me.receive(guard);
    ASSERT_TRUE(m) << armed << " armed, " << downs << " down";
    if (is_down(*m))
      ++downs;
    else
      ++armed;
  }
  EXPECT_EQ(armed, n);
  EXPECT_EQ(downs, n);
  EXPECT_EQ(rt.pending_timers(), 0u);
}

TEST(RuntimeConcurrency, BusyProcessesDoNotStarveOthersOnOneWorker) {
  // SEMANTICS.md "fairness": on a single worker, a pair ping-ponging
  // forever (each wakes the other: the worker's `next` slot) and a process
  // flooding itself with messages must still let a newcomer run.
  otp::runtime rt{otp::runtime_options{.workers = 1}};
  otp::scoped_mailbox me{rt};
  auto ponger = [](otp::process& self) -> otp::task<> {
    for (;;) {
      auto m = co_await self.receive();
      self.send(m.as_pid(), self.self());
    }
  };
  auto a = rt.spawn(ponger);
  auto b = rt.spawn(ponger);
  rt.send(a, b); // a sends to b, b to a, forever
  rt.spawn([](otp::process& self) -> otp::task<> {
    for (;;) {
      self.send(self.self(), "again"_a);
      co_await self.receive();
    }
  });
  for (int i = 0; i < 10; ++i) {
    rt.spawn(
        [](otp::process& self, pid to, int k) -> otp::task<> {
          self.send(to, k);
          co_return;
        },
        me.self(), i);
    EXPECT_EQ(me.receive(guard), term{i}) << "newcomer " << i << " starved";
  }
}

TEST(RuntimeConcurrency, NewProcessBehindASpawnerThatNeverYieldsRunsElsewhere) {
  // A new process waits in its spawner's worker's queue, where thieves
  // leave it alone for a while (docs/design/scheduler.md, "New processes
  // stay"). A spawner that then computes without yielding must not keep it
  // there: an idle worker takes it once that while is over, parked on a
  // timer rather than woken by anyone.
  otp::runtime rt{otp::runtime_options{.workers = 2}};
  otp::scoped_mailbox me{rt};
  std::atomic<bool> child_ran{false};
  rt.spawn(
      [](otp::process& self, pid report,
         std::atomic<bool>* ran) -> otp::task<> {
        self.spawn(
            [](otp::process&, std::atomic<bool>* flag) -> otp::task<> {
              flag->store(true);
              co_return;
            },
            ran);
        // Holds this worker: the child can only run on the other one.
        auto give_up = std::chrono::steady_clock::now() + guard;
        while (!ran->load() && std::chrono::steady_clock::now() < give_up)
          std::this_thread::yield();
        self.send(report, term{ran->load()});
        co_return;
      },
      me.self(), &child_ran);
  EXPECT_EQ(me.receive(guard), term{true});
}

TEST(RuntimeConcurrency, ProcessPushedOutOfNextBehindABusyWakerRunsElsewhere) {
  // Two processes woken in one turn: the second takes the worker's `next`
  // slot and pushes the first to its queue as fresh work, which thieves
  // leave alone for a while. The waker then holds its worker without
  // yielding: both must still run, on the other worker.
  otp::runtime rt{otp::runtime_options{.workers = 2}};
  otp::scoped_mailbox me{rt};
  std::atomic<int> ran{0};
  auto count_on_message = [](otp::process& self,
                             std::atomic<int>* n) -> otp::task<> {
    (void)co_await self.receive();
    n->fetch_add(1);
  };
  auto first = rt.spawn(count_on_message, &ran);
  auto second = rt.spawn(count_on_message, &ran);
  // Both wait in receive before the waker starts (else its sends would
  // wake nobody).
  auto deadline = std::chrono::steady_clock::now() + guard;
  for (const auto& p : {first, second})
    while (rt.info(p)->status != otp::atoms::waiting &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
  rt.spawn(
      [](otp::process& self, pid a, pid b, pid report,
         std::atomic<int>* n) -> otp::task<> {
        self.send(a, "go"_a);
        self.send(b, "go"_a);
        auto give_up = std::chrono::steady_clock::now() + guard;
        while (n->load() < 2 && std::chrono::steady_clock::now() < give_up)
          std::this_thread::yield();
        self.send(report, term{n->load()});
        co_return;
      },
      first, second, me.self(), &ran);
  EXPECT_EQ(me.receive(guard), term{2});
}

namespace {

/// Counts `inc` casts; `count` answers how many so far.
class cast_counter : public otp::gen_server::server<cast_counter> {
public:
  call_result handle_call(const term& request, const from&) {
    if (request.is_atom("count"_a))
      return reply(count_);
    return stop(term{"bad_call"_a, request});
  }
  cast_result handle_cast(const term& msg) {
    if (!msg.is_integer() || msg.as_int() != count_)
      return stop(term{"out_of_order"_a, msg, count_});
    ++count_;
    return noreply();
  }

private:
  std::int64_t count_ = 0;
};

} // namespace

TEST(RuntimeConcurrency, SenderThatNeverWaitsKeepsOrderWhileItsReceiverMoves) {
  // The receiver is woken into the sender's `next` slot by the first
  // message; the sender keeps sending without waiting, so the scheduler
  // hands the receiver to the other workers (stealable) while its inbox
  // still fills (docs/design/scheduler.md). Order and count must hold.
  constexpr std::int64_t n = 200'000;
  otp::runtime rt{otp::runtime_options{.workers = 2}};
  otp::scoped_mailbox me{rt};
  rt.spawn(
      [](otp::process& self, pid report) -> otp::task<> {
        auto server =
            co_await otp::gen_server::start_link<cast_counter>(self, {});
        if (!server)
          throw std::runtime_error("start_link failed");
        for (int round = 0; round < 3; ++round) {
          auto base = (co_await otp::gen_server::call(self, *server, "count"_a))
                          .as_int();
          for (std::int64_t i = 0; i < n; ++i)
            otp::gen_server::cast(self, *server, base + i);
        }
        auto counted = co_await otp::gen_server::call(self, *server, "count"_a);
        self.send(report, term{"counted"_a, counted});
      },
      me.self());
  EXPECT_EQ(me.receive(guard), (term{"counted"_a, 3 * n}));
}

TEST(RuntimeConcurrency, ScopedMailboxTimedOutWaitsLoseNoMessageAndNoWakeUp) {
  // Receives that time out race with the pushes that would wake them (a
  // push that finds the mailbox blocked owes it a wake-up even if the wait
  // has just timed out); later waits must still sleep and wake correctly.
  constexpr int n = 20'000;
  otp::runtime rt{options()};
  otp::scoped_mailbox me{rt};
  auto sender = rt.spawn([](otp::process& self) -> otp::task<> {
    auto to = (co_await self.receive()).as_pid();
    for (int i = 0; i < n; ++i) {
      self.send(to, i);
      if (i % 7 == 0)
        co_await self.yield();
    }
  });
  me.send(sender, me.self());
  for (int expected = 0; expected < n;) {
    // Zero: an immediate timeout whenever nothing is there yet.
    if (auto m = me.receive(0ms)) {
      ASSERT_EQ(*m, term{expected});
      ++expected;
    }
  }
  // Then round trips whose replies come late enough that the mailbox
  // sleeps: a stale wake-up would end them early or a lost one hang them.
  auto echo = rt.spawn([](otp::process& self) -> otp::task<> {
    for (;;) {
      auto m = co_await self.receive();
      for (int i = 0; i < 200; ++i)
        co_await self.yield();
      self.send(m[0].as_pid(), m[1]);
    }
  });
  for (int i = 0; i < 200; ++i) {
    me.send(echo, term{me.self(), i});
    ASSERT_EQ(me.receive(guard), term{i});
  }
}
