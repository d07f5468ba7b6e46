import sys, time, importlib, numpy as np
sys.path.insert(0, '/tmp/minatar')
sys.path.insert(0, '/tmp/minatar/minatar/environments')
for game in ['asterix','breakout','freeway','seaquest','space_invaders']:
    mod = importlib.import_module(game)
    env = mod.Env(ramping=True); env.random = np.random.RandomState(0)
    rng = np.random.RandomState(1); sticky = 0.1; last = 0
    steps = 0; t0 = time.perf_counter(); secs = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    while time.perf_counter() - t0 < secs:
        for _ in range(100):
            a = rng.randint(6)
            if rng.rand() < sticky: a = last
            last = a
            r, term = env.act(a)
            s = env.state()
            if term: env.reset()
        steps += 100
    print(f"minatar/{game} {steps / (time.perf_counter() - t0):.0f}")
