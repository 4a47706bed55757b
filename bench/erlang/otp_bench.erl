%%% Erlang/OTP twin of otp++'s benchmarks (see bench/README.md).
%%%
%%% Run:   erl -noshell +S 2 +P 4194304 -pa BUILD_DIR -run otp_bench main [Workload [N]]
%%% With no workload every workload runs, each with its default N. Each
%%% workload prints one line on stdout:
%%%
%%%   RESULT erlang <workload> <value> <unit>
%%%
%%% and everything else on stderr. The module is also the gen_server and
%%% supervisor callback module that the OTP workloads start (as OTP's own
%%% gen_server_SUITE is), so the twin stays one file.
%%%
%%% Every workload runs in a fresh process so that the heap left by the
%%% previous one does not slow down the next; timed workloads do a short
%%% warm-up (N/10, at most 100k) first, memory workloads do none.
-module(otp_bench).
-behaviour(gen_server).
%% Also the supervisor callback module (init/1 is shared, so only one
%% -behaviour attribute: two would warn about the conflict).

-export([main/0, main/1]).
%% gen_server and supervisor callbacks (both use init/1).
-export([init/1, handle_call/3, handle_cast/2, handle_info/2]).
%% supervised workers
-export([start_worker/1, start_sofo_worker/0]).

-define(WORKLOADS, [spawn_exit, idle_memory, ping_pong, send_throughput, skynet,
                    timers, call, cast, contention, idle_genserver,
                    supervisor_restart, supervisor_restart_logged,
                    call_outside, sofo_start_shutdown]).

%%%===================================================================
%%% Entry point
%%%===================================================================

main() -> main([]).

main([]) ->
    run_all(?WORKLOADS);
main(["all"]) ->
    run_all(?WORKLOADS);
main([Workload]) ->
    run_all([list_to_atom(Workload)]);
main([Workload, N]) ->
    finish(run(list_to_atom(Workload), list_to_integer(N))).

run_all(Workloads) ->
    finish(lists:foldl(fun(W, ok) -> run(W, default_n(W)); (_, Err) -> Err end,
                       ok, Workloads)).

finish(ok) -> erlang:halt(0);
finish(_) -> erlang:halt(1).

default_n(spawn_exit) -> 1000000;
default_n(idle_memory) -> 1000000;
default_n(ping_pong) -> 1000000;
default_n(send_throughput) -> 1000000;
default_n(skynet) -> 1000000;
default_n(timers) -> 100000;
default_n(call) -> 1000000;
default_n(cast) -> 1000000;
default_n(contention) -> 200000;        % calls per client, 4 clients
default_n(idle_genserver) -> 100000;
default_n(supervisor_restart) -> 10000;
default_n(supervisor_restart_logged) -> 10000;
default_n(call_outside) -> 1000000;
default_n(sofo_start_shutdown) -> 100000;
default_n(W) -> fail("unknown workload ~p", [W]).

%% Runs one workload in a fresh process and waits for it.
run(Workload, N) ->
    _ = default_n(Workload),            % fails loudly on unknown names
    logger:set_primary_config(level, none),
    erlang:garbage_collect(),
    {Pid, Ref} = spawn_monitor(fun() -> workload(Workload, N) end),
    receive
        {'DOWN', Ref, process, Pid, normal} -> ok;
        {'DOWN', Ref, process, Pid, Reason} ->
            log("~p failed: ~p", [Workload, Reason]),
            error
    end.

%%%===================================================================
%%% Workloads
%%%===================================================================

%% spawn_exit: spawn_monitor N processes that exit at once with reason
%% normal; receive all N 'DOWN' messages. Spawned in batches of 1,000 (the
%% next batch after the previous one's 'DOWN's), as the CAF twin must: a
%% single loop of 1M spawns piles up the 'DOWN's in the parent's mailbox and
%% every GC of the parent then copies them (2-3x slower).
workload(spawn_exit, N) ->
    spawn_exit(warmup_n(N)),
    Ns = time_ns(fun() -> spawn_exit(N) end),
    result(spawn_exit, Ns / N, "ns/proc");

%% idle_memory: N processes blocked in receive forever; memory growth per
%% process. The pids are not kept (that would count a list in our heap): the
%% processes are found again with erlang:processes() after the measurement.
workload(idle_memory, N) ->
    Before = ordsets:from_list(erlang:processes()),
    erlang:garbage_collect(),
    M0 = erlang:memory(total),
    Parent = self(),
    spawn_idle(N, fun() -> receive never_sent -> ok end end),
    sync_idle(Parent),
    erlang:garbage_collect(),
    M1 = erlang:memory(total),
    result(idle_memory, (M1 - M0) / N, "B/proc"),
    kill_new_processes(Before);

%% ping_pong: N round trips {ping, From} -> pong between two processes.
workload(ping_pong, N) ->
    Ponger = spawn_link(fun pong_loop/0),
    ping(Ponger, warmup_n(N)),
    Ns = time_ns(fun() -> ping(Ponger, N) end),
    result(ping_pong, Ns / N, "ns/op"),
    unlink(Ponger),
    exit(Ponger, kill);

%% send_throughput: N one-way messages (small integers), then a synchronous
%% marker whose reply carries the receiver's count.
workload(send_throughput, N) ->
    Receiver = spawn_link(fun() -> count_loop(0) end),
    send_n(Receiver, warmup_n(N)),
    Ns = time_ns(fun() -> send_n(Receiver, N) end),
    result(send_throughput, Ns / N, "ns/msg"),
    unlink(Receiver),
    exit(Receiver, kill);

%% skynet: a tree of processes, 10 children per node, N leaves.
workload(skynet, N) ->
    is_power_of_10(N) orelse fail("skynet: N must be a power of 10, got ~p", [N]),
    skynet_root(warmup_n(N)),
    Ns = time_ns(fun() -> skynet_root(N) end),
    result(skynet, Ns / 1.0e6, "ms");

%% timers: N processes each wait `receive after T` (T uniform in 0..10 ms),
%% then tell the parent; total time until the parent heard from all. The
%% parent keeps its message queue off-heap: the replies pile up while it is
%% still spawning, and with the default on-heap queue every GC of the parent
%% copies them (100k timers: 12 s instead of 0.23 s).
workload(timers, N) ->
    process_flag(message_queue_data, off_heap),
    rand:seed(exsss, {17, 42, 4711}),
    timers(warmup_n(N)),
    Ns = time_ns(fun() -> timers(N) end),
    result(timers, Ns / 1.0e6, "ms");

%% call: N sequential gen_server:call from this process to one server.
workload(call, N) ->
    {ok, Server} = gen_server:start_link(?MODULE, {server, 0}, []),
    call_n(Server, warmup_n(N)),
    Ns = time_ns(fun() -> call_n(Server, N) end),
    result(call, Ns / N, "ns/call"),
    gen_server:stop(Server);

%% cast: N gen_server:cast, then one call that returns the server's count.
workload(cast, N) ->
    {ok, Server} = gen_server:start_link(?MODULE, {server, 0}, []),
    cast_n(Server, warmup_n(N)),
    Ns = time_ns(fun() -> cast_n(Server, N) end),
    result(cast, Ns / N, "ns/cast"),
    gen_server:stop(Server);

%% contention: 4 client processes each make N calls to one server.
workload(contention, N) ->
    {ok, Server} = gen_server:start_link(?MODULE, {server, 0}, []),
    contention(Server, 4, warmup_n(N)),
    Ns = time_ns(fun() -> contention(Server, 4, N) end),
    result(contention, 4 * N / (Ns / 1.0e9), "calls/s"),
    gen_server:stop(Server);

%% idle_genserver: N idle gen_servers (gen_server:start, state 0); memory
%% growth per server. As in idle_memory the pids are not kept.
workload(idle_genserver, N) ->
    Before = ordsets:from_list(erlang:processes()),
    erlang:garbage_collect(),
    M0 = erlang:memory(total),
    start_servers(N),
    erlang:garbage_collect(),
    M1 = erlang:memory(total),
    result(idle_genserver, (M1 - M0) / N, "B/server"),
    kill_new_processes(Before);

%% supervisor_restart: a one_for_one supervisor with one permanent worker;
%% each cycle crashes the worker (an exception in handle_cast) and waits for
%% the restarted worker to announce itself. The restart intensity is high
%% enough never to trip, so OTP's restart history grows with the cycles.
%% A throw-away supervisor first runs 10 cycles, so that the modules of the
%% crash path are loaded before the timed one starts. The first 100 cycles
%% are timed on five fresh supervisors and the median is reported (one
%% 100-cycle window is short enough for one pause of the machine to skew
%% it; otp++ does the same); all N cycles are timed on one more.
workload(supervisor_restart, N) ->
    process_flag(trap_exit, true),
    {WarmSup, WarmWorker} = start_supervisor(10),
    restart_cycles(WarmWorker, 10),
    stop_supervisor(WarmSup),
    Heads = lists:sort([timed_restart_cycles(min(100, N))
                        || _ <- lists:seq(1, 5)]),
    All = timed_restart_cycles(N),
    result(supervisor_restart_first100, lists:nth(3, Heads), "us/cycle"),
    result(supervisor_restart, All, "us/cycle");

%% supervisor_restart_logged: the same with the default logger (level
%% notice, the standard_io handler): each cycle logs the server's crash
%% report, the proc_lib crash report and the supervisor's child_terminated
%% report. The handler formats and writes asynchronously and, past its
%% overload limits, drops reports (scripts/bench counts what was written).
workload(supervisor_restart_logged, N) ->
    process_flag(trap_exit, true),
    {WarmSup, WarmWorker} = start_supervisor(10),
    restart_cycles(WarmWorker, 10),
    stop_supervisor(WarmSup),
    logger:set_primary_config(level, notice),
    {Sup, First} = start_supervisor(N),
    {_, Ns} = time_ns_result(fun() -> restart_cycles(First, N) end),
    logger:set_primary_config(level, none),
    result(supervisor_restart_logged, Ns / N / 1000, "us/cycle"),
    stop_supervisor(Sup);

%% call_outside: otp++ calls from a thread outside its runtime, which blocks
%% until the reply comes. Erlang has no such client: a foreign thread talks to
%% a node through a process, so the peer figure is the ordinary call, the
%% same work as the call workload.
workload(call_outside, N) ->
    {ok, Server} = gen_server:start_link(?MODULE, {server, 0}, []),
    call_n(Server, warmup_n(N)),
    Ns = time_ns(fun() -> call_n(Server, N) end),
    result(call_outside, Ns / N, "ns/call"),
    gen_server:stop(Server);

%% sofo_start_shutdown: a simple_one_for_one supervisor starts N children
%% (gen_servers, temporary) with supervisor:start_child, one after the
%% other, then is shut down (unlink, exit(Sup, shutdown)): it stops all N at
%% once. The figure is the total time, the supervisor's start included.
workload(sofo_start_shutdown, N) ->
    process_flag(trap_exit, true),
    sofo_cycle(warmup_n(N)),
    Ns = time_ns(fun() -> sofo_cycle(N) end),
    result(sofo_start_shutdown, Ns / 1.0e6, "ms").

%%%===================================================================
%%% Workload helpers
%%%===================================================================

-define(SPAWN_BATCH, 1000).

spawn_exit(N) when N > ?SPAWN_BATCH ->
    spawn_exit(?SPAWN_BATCH),
    spawn_exit(N - ?SPAWN_BATCH);
spawn_exit(N) ->
    spawn_monitors(N),
    await_downs(N).

spawn_monitors(0) -> ok;
spawn_monitors(I) ->
    _ = spawn_monitor(fun() -> ok end),
    spawn_monitors(I - 1).

await_downs(0) -> ok;
await_downs(I) ->
    receive {'DOWN', _, process, _, normal} -> await_downs(I - 1) end.

spawn_idle(0, _) -> ok;
spawn_idle(I, F) ->
    _ = spawn(F),
    spawn_idle(I - 1, F).

%% One more process spawned after the N idle ones, which answers once
%% scheduled: by then the run queues have run the N processes into their
%% receive, since processes are scheduled in order on each queue. It is
%% counted in the measurement (1 in 1M).
sync_idle(Parent) ->
    spawn(fun() -> Parent ! idle_sync end),
    receive idle_sync -> ok end.

kill_new_processes(Before) ->
    New = ordsets:subtract(ordsets:from_list(erlang:processes()), Before),
    Me = self(),
    [exit(P, kill) || P <- New, P =/= Me],
    ok.

pong_loop() ->
    receive {ping, From} -> From ! pong, pong_loop() end.

ping(_, 0) -> ok;
ping(Ponger, I) ->
    Ponger ! {ping, self()},
    receive pong -> ping(Ponger, I - 1) end.

count_loop(Count) ->
    receive
        I when is_integer(I) -> count_loop(Count + 1);
        {sync, From} -> From ! {count, Count}, count_loop(0)
    end.

send_n(Receiver, N) ->
    send_ints(Receiver, N),
    Receiver ! {sync, self()},
    receive {count, N} -> ok;
            {count, Other} -> fail("send_throughput: receiver counted ~p of ~p", [Other, N])
    end.

send_ints(_, 0) -> ok;
send_ints(Receiver, I) -> Receiver ! I, send_ints(Receiver, I - 1).

skynet_root(Leaves) ->
    Self = self(),
    spawn(fun() -> skynet(Self, 0, Leaves, 10) end),
    Sum = receive S -> S end,
    case Leaves * (Leaves - 1) div 2 of
        Sum -> ok;
        Want -> fail("skynet: sum ~p, want ~p", [Sum, Want])
    end.

is_power_of_10(1) -> true;
is_power_of_10(N) -> N rem 10 =:= 0 andalso is_power_of_10(N div 10).

skynet(Parent, Num, 1, _) ->
    Parent ! Num;
skynet(Parent, Num, Size, Div) ->
    Self = self(),
    Sub = Size div Div,
    [spawn(fun() -> skynet(Self, Num + I * Sub, Sub, Div) end)
     || I <- lists:seq(0, Div - 1)],
    Parent ! skynet_sum(Div, 0).

skynet_sum(0, Sum) -> Sum;
skynet_sum(I, Sum) -> receive S -> skynet_sum(I - 1, Sum + S) end.

timers(N) ->
    Parent = self(),
    spawn_timers(Parent, N),
    await_timers(N).

spawn_timers(_, 0) -> ok;
spawn_timers(Parent, I) ->
    T = rand:uniform(11) - 1,
    spawn(fun() -> receive after T -> Parent ! timer_done end end),
    spawn_timers(Parent, I - 1).

await_timers(0) -> ok;
await_timers(I) -> receive timer_done -> await_timers(I - 1) end.

call_n(_, 0) -> ok;
call_n(Server, I) -> pong = gen_server:call(Server, ping), call_n(Server, I - 1).

cast_n(Server, N) ->
    Base = gen_server:call(Server, count),
    cast_loop(Server, N),
    case gen_server:call(Server, count) - Base of
        N -> ok;
        Other -> fail("cast: server counted ~p of ~p", [Other, N])
    end.

cast_loop(_, 0) -> ok;
cast_loop(Server, I) -> gen_server:cast(Server, inc), cast_loop(Server, I - 1).

contention(Server, Clients, N) ->
    Parent = self(),
    Pids = [spawn_link(fun() -> call_n(Server, N), Parent ! {client_done, self()} end)
            || _ <- lists:seq(1, Clients)],
    [receive {client_done, P} -> ok end || P <- Pids],
    ok.

start_servers(0) -> ok;
start_servers(I) ->
    {ok, _} = gen_server:start(?MODULE, {server, 0}, []),
    start_servers(I - 1).

start_supervisor(Cycles) ->
    {ok, Sup} = supervisor:start_link(?MODULE, {supervisor, self(), Cycles}),
    receive {worker_started, Worker} -> {Sup, Worker} end.

%% µs per cycle over N cycles of a fresh supervisor, its start and stop not
%% timed.
timed_restart_cycles(N) ->
    {Sup, First} = start_supervisor(N),
    {_, Ns} = time_ns_result(fun() -> restart_cycles(First, N) end),
    stop_supervisor(Sup),
    Ns / N / 1000.

stop_supervisor(Sup) ->
    Ref = monitor(process, Sup),
    unlink(Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end.

sofo_cycle(N) ->
    {ok, Sup} = supervisor:start_link(?MODULE, sofo),
    sofo_start(Sup, N),
    case supervisor:count_children(Sup) of
        [{specs, 1}, {active, N} | _] -> ok;
        Counts -> fail("sofo_start_shutdown: ~p, want ~p active", [Counts, N])
    end,
    stop_supervisor(Sup).

sofo_start(_, 0) -> ok;
sofo_start(Sup, I) ->
    {ok, _} = supervisor:start_child(Sup, []),
    sofo_start(Sup, I - 1).

restart_cycles(Worker, 0) -> Worker;
restart_cycles(Worker, I) ->
    gen_server:cast(Worker, crash),
    receive {worker_started, New} -> restart_cycles(New, I - 1) end.

%%%===================================================================
%%% gen_server and supervisor callbacks
%%%===================================================================

init({server, Count}) ->
    {ok, Count};
init({worker, Parent}) ->
    Parent ! {worker_started, self()},
    {ok, Parent};
init({supervisor, Parent, Cycles}) ->
    Flags = #{strategy => one_for_one, intensity => 2 * Cycles + 10, period => 3600},
    Child = #{id => worker, start => {?MODULE, start_worker, [Parent]},
              restart => permanent, shutdown => brutal_kill, type => worker},
    {ok, {Flags, [Child]}};
init(sofo) ->
    Flags = #{strategy => simple_one_for_one},
    Child = #{id => worker, start => {?MODULE, start_sofo_worker, []},
              restart => temporary, shutdown => 5000, type => worker},
    {ok, {Flags, [Child]}}.

start_sofo_worker() ->
    gen_server:start_link(?MODULE, {server, 0}, []).

start_worker(Parent) ->
    gen_server:start_link(?MODULE, {worker, Parent}, []).

handle_call(ping, _From, State) -> {reply, pong, State};
handle_call(count, _From, Count) -> {reply, Count, Count}.

handle_cast(inc, Count) -> {noreply, Count + 1};
handle_cast(crash, _State) -> erlang:error(crash).

handle_info(_Msg, State) -> {noreply, State}.

%%%===================================================================
%%% Measurement and output
%%%===================================================================

warmup_n(N) -> max(1, min(N div 10, 100000)).

time_ns(F) ->
    {_, Ns} = time_ns_result(F),
    Ns.

time_ns_result(F) ->
    erlang:garbage_collect(),
    T0 = erlang:monotonic_time(nanosecond),
    R = F(),
    T1 = erlang:monotonic_time(nanosecond),
    {R, T1 - T0}.

result(Workload, Value, Unit) ->
    io:format("RESULT erlang ~s ~s ~s~n", [Workload, format_value(Value), Unit]).

format_value(V) when is_integer(V) -> integer_to_list(V);
format_value(V) when V >= 10000 -> integer_to_list(round(V));
format_value(V) -> float_to_list(V, [{decimals, 1}]).

log(Fmt, Args) ->
    io:format(standard_error, "otp_bench: " ++ Fmt ++ "~n", Args).

fail(Fmt, Args) ->
    log(Fmt, Args),
    erlang:halt(1).
