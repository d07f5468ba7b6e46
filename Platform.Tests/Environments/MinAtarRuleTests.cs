using Platform.Workers.Environments;
using Platform.Workers.Environments.MinAtar;

namespace Platform.Tests.Environments;

/// <summary>Scripted scenarios, one per MinAtar rule (no sticky actions unless stated).</summary>
public class MinAtarRuleTests
{
    private static readonly EnvironmentOptions NoSticky = new() { StickyActionProbability = 0 };

    private static T Make<T>(Func<EnvironmentOptions, T> create, EnvironmentOptions? o = null) where T : MinAtarGame
    {
        var g = create(o ?? NoSticky);
        g.Rng = Rng.Create(2024);
        g.Reset();
        return g;
    }

    // ---- Breakout ----

    [Fact]
    public void BreakoutStartsWithThreeBrickRowsAndBallInRow3()
    {
        var g = Make(o => new Breakout(o));
        Assert.Equal(30, g.Bricks.Count(b => b));
        Assert.All(Enumerable.Range(10, 30), i => Assert.True(g.Bricks[i]));
        Assert.Equal(3, g.BallY);
        Assert.True(g.BallX is 0 or 9);
        Assert.Equal(4, g.Paddle);
    }

    [Fact]
    public void BreakoutBrickHitScoresOneRemovesBrickAndReflects()
    {
        var g = Make(o => new Breakout(o));
        g.BallX = 5; g.BallY = 4; g.BallDir = 0; // up-left into brick (4, 3)
        float r = g.Act(MinAtarGame.NoOp, out bool done);
        Assert.Equal(1, r);
        Assert.False(done);
        Assert.False(g.Bricks[3 * 10 + 4]);
        Assert.Equal(4, g.BallY);      // stays in its row
        Assert.Equal(4, g.BallX);
        Assert.Equal(3, g.BallDir);    // now down-left
    }

    [Fact]
    public void BreakoutWallsReflect()
    {
        var g = Make(o => new Breakout(o));
        g.BallX = 0; g.BallY = 6; g.BallDir = 3; // down-left into the left wall
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal((0, 7, 2), (g.BallX, g.BallY, g.BallDir));
        g.BallX = 5; g.BallY = 0; g.BallDir = 1; // up-right into the ceiling
        Array.Clear(g.Bricks); g.BrickCount = 0;
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal((6, 0, 2), (g.BallX, g.BallY, g.BallDir));
    }

    [Fact]
    public void BreakoutPaddleBouncesAndMissEndsEpisode()
    {
        var g = Make(o => new Breakout(o));
        g.BallX = 4; g.BallY = 8; g.BallDir = 2; g.Paddle = 4; // paddle under the ball's column: straight back
        Assert.Equal(0, g.Act(MinAtarGame.NoOp, out bool done));
        Assert.False(done);
        Assert.Equal((5, 8, 1), (g.BallX, g.BallY, g.BallDir));

        g.BallX = 3; g.BallY = 8; g.BallDir = 2; g.Paddle = 4; // paddle under the new column: back the way it came
        g.Act(MinAtarGame.NoOp, out done);
        Assert.False(done);
        Assert.Equal((4, 8, 0), (g.BallX, g.BallY, g.BallDir));

        g.BallX = 1; g.BallY = 8; g.BallDir = 2; g.Paddle = 7;
        g.Act(MinAtarGame.NoOp, out done);
        Assert.True(done);
    }

    [Fact]
    public void BreakoutBricksRefillWhenBallReachesBottomAfterClearing()
    {
        var g = Make(o => new Breakout(o));
        Array.Clear(g.Bricks); g.BrickCount = 0;
        g.BallX = 4; g.BallY = 8; g.BallDir = 2; g.Paddle = 4;
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal(30, g.BrickCount);
        Assert.Equal(30, g.Bricks.Count(b => b));
    }

    // ---- Freeway ----

    [Fact]
    public void FreewayCrossingScoresAndReturnsChickenToBottom()
    {
        var g = Make(o => new Freeway(o));
        for (int i = 0; i < 8; i++) g.Cars[i] = new Freeway.Car { X = 0, Timer = 5, Speed = 5 }; // far from column 4
        g.Pos = 1; g.MoveTimer = 0;
        Assert.Equal(1, g.Act(MinAtarGame.Up, out _));
        Assert.Equal(9, g.Pos);
    }

    [Fact]
    public void FreewayChickenMovesAtMostEveryThreeSteps()
    {
        var g = Make(o => new Freeway(o));
        for (int i = 0; i < 8; i++) g.Cars[i] = new Freeway.Car { X = 0, Timer = 5, Speed = 5 };
        g.MoveTimer = 0;
        g.Act(MinAtarGame.Up, out _);
        Assert.Equal(8, g.Pos);
        g.Act(MinAtarGame.Up, out _);
        g.Act(MinAtarGame.Up, out _);
        Assert.Equal(8, g.Pos);
        g.Act(MinAtarGame.Up, out _);
        Assert.Equal(7, g.Pos);
    }

    [Fact]
    public void FreewayCarCollisionPushesChickenBack()
    {
        var g = Make(o => new Freeway(o));
        for (int i = 0; i < 8; i++) g.Cars[i] = new Freeway.Car { X = 0, Timer = 5, Speed = 5 };
        g.Pos = 5;
        g.Cars[4] = new Freeway.Car { X = 3, Timer = 0, Speed = 1 }; // row 5, moves right into column 4 now
        Assert.Equal(0, g.Act(MinAtarGame.NoOp, out bool done));
        Assert.False(done);
        Assert.Equal(9, g.Pos);
    }

    [Fact]
    public void FreewayEndsAfter2500Steps()
    {
        var g = Make(o => new Freeway(o));
        int steps = 0;
        bool done;
        do { g.Act(MinAtarGame.NoOp, out done); steps++; } while (!done && steps < 5000);
        Assert.Equal(2501, steps); // the countdown from 2500 goes below zero on step 2501, as in MinAtar
    }

    // ---- Asterix ----

    [Fact]
    public void AsterixGoldScoresAndEnemyKills()
    {
        var g = Make(o => new Asterix(o));
        g.SpawnTimer = 5; g.MoveTimer = 3;
        g.Entities[4] = new Asterix.Entity { Active = true, Gold = true, X = 5, MovingRight = true }; // row 5, at the player
        Assert.Equal(1, g.Act(MinAtarGame.NoOp, out bool done));
        Assert.False(done);
        Assert.False(g.Entities[4].Active);
        g.Entities[3] = new Asterix.Entity { Active = true, Gold = false, X = 5 }; // row 4
        g.Act(MinAtarGame.Up, out done);
        Assert.True(done);
    }

    [Fact]
    public void AsterixSpawnsOnTimerAtAnEdgeOfAFreeLane()
    {
        var g = Make(o => new Asterix(o));
        for (int step = 0; step < 10; step++) { g.PlayerY = 1 + step % 8; g.Act(MinAtarGame.NoOp, out _); }
        Assert.DoesNotContain(g.Entities, e => e.Active);
        g.PlayerY = 8;
        g.PlayerX = 5;
        g.MoveTimer = 100;
        g.Act(MinAtarGame.NoOp, out _); // spawn timer reached 0
        var spawned = g.Entities.Where(e => e.Active).ToArray();
        Assert.Single(spawned);
        Assert.True(spawned[0].X is 0 or 9);
        Assert.Equal(Asterix.InitialSpawnSpeed - 1, g.SpawnTimer);
    }

    [Fact]
    public void AsterixEntitiesMoveEveryMoveSpeedSteps()
    {
        var g = Make(o => new Asterix(o));
        g.SpawnTimer = 100;
        g.PlayerY = 1;
        g.Entities[7] = new Asterix.Entity { Active = true, Gold = true, X = 2, MovingRight = true };
        var xs = new List<int>();
        for (int i = 0; i < 12; i++) { g.Act(MinAtarGame.NoOp, out _); xs.Add(g.Entities[7].X); }
        // The move timer starts at 5: moves on step 6, then every 5 steps.
        Assert.Equal([2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4], xs);
    }

    [Fact]
    public void AsterixRampingShrinksTimers()
    {
        var g = Make(o => new Asterix(o));
        g.RampTimer = -1;
        g.SpawnTimer = 50;
        g.PlayerY = 1;
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal((9, 5, 1), (g.SpawnSpeed, g.MoveSpeed, g.RampIndex));
        g.RampTimer = -1;
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal((8, 4, 2), (g.SpawnSpeed, g.MoveSpeed, g.RampIndex));

        var flat = Make(o => new Asterix(o), NoSticky with { DifficultyRamping = false });
        flat.RampTimer = -1;
        flat.Act(MinAtarGame.NoOp, out _);
        Assert.Equal((10, 5, 0), (flat.SpawnSpeed, flat.MoveSpeed, flat.RampIndex));
    }

    // ---- Seaquest ----

    [Fact]
    public void SeaquestOxygenRunsOutBelowTheSurface()
    {
        var g = Make(o => new Seaquest(o));
        g.Act(MinAtarGame.Down, out _);
        int steps = 1;
        bool done = false;
        while (!done && steps < 400)
        {
            g.SpawnTimer = 99; g.DiverTimer = 99; // keep the sea empty
            g.Act(MinAtarGame.NoOp, out done);
            steps++;
        }
        Assert.True(done);
        Assert.Equal(201, steps); // 200 units of oxygen, then the step that finds it at 0
    }

    [Fact]
    public void SeaquestSurfacingWithSixDiversScoresRemainingOxygen()
    {
        var g = Make(o => new Seaquest(o));
        g.SubY = 1; g.Surfaced = false; g.DiverCount = 6; g.Oxygen = 100; g.SpawnTimer = 99; g.DiverTimer = 99;
        float r = g.Act(MinAtarGame.Up, out bool done);
        Assert.False(done);
        Assert.Equal(5, r); // 100 · 10 / 200
        Assert.Equal(-1, g.DiverCount); // emptied, then one diver spent, as the reference counts
        Assert.Equal(200, g.Oxygen);
        Assert.Equal(1, g.RampIndex);
        Assert.Equal(19, g.SpawnSpeed);
    }

    [Fact]
    public void SeaquestAfterSixDiversTheSubSurfacesAgainWithoutDiversAsTheReferenceDoes()
    {
        var g = Make(o => new Seaquest(o));
        g.SubY = 1; g.Surfaced = false; g.DiverCount = 6; g.Oxygen = 100; g.SpawnTimer = 99; g.DiverTimer = 99;
        g.Act(MinAtarGame.Up, out bool done);
        Assert.False(done);
        // No diver aboard (the gauge is empty), yet surfacing again neither ends the episode nor scores: the count goes on down.
        var obs = new float[10 * 10 * 10];
        g.WriteObservation(obs);
        Assert.All(Enumerable.Range(0, 10), x => Assert.Equal(0f, obs[(9 * 10 + x) * 10 + 8]));
        g.SubY = 1; g.Surfaced = false; g.Oxygen = 10; g.SpawnTimer = 99; g.DiverTimer = 99;
        Assert.Equal(0, g.Act(MinAtarGame.Up, out done));
        Assert.False(done);
        Assert.Equal(-2, g.DiverCount);
        Assert.Equal(200, g.Oxygen);
        // Picking up divers brings the count back; at 0, surfacing ends the episode again.
        g.DiverCount = 0; g.SubY = 1; g.Surfaced = false;
        g.Act(MinAtarGame.Up, out done);
        Assert.True(done);
    }

    [Fact]
    public void SeaquestSurfacingCostsADiverOrEndsWithoutDivers()
    {
        var g = Make(o => new Seaquest(o));
        g.SubY = 1; g.Surfaced = false; g.DiverCount = 2; g.Oxygen = 50; g.SpawnTimer = 99; g.DiverTimer = 99;
        Assert.Equal(0, g.Act(MinAtarGame.Up, out bool done));
        Assert.False(done);
        Assert.Equal(1, g.DiverCount);
        Assert.Equal(200, g.Oxygen);
        g.SubY = 1; g.Surfaced = false; g.DiverCount = 0;
        g.Act(MinAtarGame.Up, out done);
        Assert.True(done);
    }

    [Fact]
    public void SeaquestBulletKillsFishAndEnemySubsShoot()
    {
        var g = Make(o => new Seaquest(o));
        g.SubX = 3; g.SubY = 4; g.SubRight = true; g.SpawnTimer = 99; g.DiverTimer = 99;
        g.Fish.Add(new Seaquest.Obj { X = 5, Y = 4, Right = false, MoveTimer = 3 });
        Assert.Equal(0, g.Act(MinAtarGame.Fire, out _)); // bullet to x=4
        Assert.Equal(1, g.Act(MinAtarGame.NoOp, out _)); // bullet to x=5: hit
        Assert.Equal(0, g.Fish.Count);
        Assert.Equal(0, g.FriendlyBullets.Count);

        g.Subs.Add(new Seaquest.Obj { X = 9, Y = 7, Right = false, MoveTimer = 9, ShotTimer = 0 });
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal(1, g.EnemyBullets.Count);
        Assert.Equal((8, 7), (g.EnemyBullets[0].X, g.EnemyBullets[0].Y)); // fired and moved one cell
    }

    [Fact]
    public void SeaquestEnemyBulletKillsAndDiversArePickedUp()
    {
        var g = Make(o => new Seaquest(o));
        g.SubX = 5; g.SubY = 3; g.SpawnTimer = 99; g.DiverTimer = 99;
        g.Divers.Add(new Seaquest.Obj { X = 5, Y = 3, MoveTimer = 4 });
        g.Act(MinAtarGame.NoOp, out bool done);
        Assert.False(done);
        Assert.Equal(1, g.DiverCount);
        g.EnemyBullets.Add(new Seaquest.Obj { X = 6, Y = 3, Right = false });
        g.Act(MinAtarGame.NoOp, out done);
        Assert.True(done);
    }

    // ---- Space Invaders ----

    [Fact]
    public void SpaceInvadersBulletKillsAlienForOne()
    {
        var g = Make(o => new SpaceInvaders(o));
        g.AlienMoveTimer = 50; g.AlienShotTimer = 50;
        g.FriendlyBullets[4 * 10 + 3] = true; // rises into the alien at (3, 3)
        Assert.Equal(1, g.Act(MinAtarGame.NoOp, out bool done));
        Assert.False(done);
        Assert.False(g.Aliens[3 * 10 + 3]);
        Assert.Equal(23, g.AlienCount);
    }

    [Fact]
    public void SpaceInvadersAliensSpeedUpAsTheyThinOut()
    {
        var g = Make(o => new SpaceInvaders(o));
        Array.Clear(g.Aliens);
        g.Aliens[0 * 10 + 4] = g.Aliens[0 * 10 + 5] = g.Aliens[1 * 10 + 4] = true;
        g.AlienCount = 3; g.AlienMoveTimer = 0; g.AlienShotTimer = 50;
        g.Act(MinAtarGame.NoOp, out _);
        Assert.Equal(2, g.AlienMoveTimer); // min(3 aliens, 12) − 1
        Assert.True(g.Aliens[0 * 10 + 3]); // moved left
    }

    [Fact]
    public void SpaceInvadersBlockTurnsAndDescendsAtTheEdge()
    {
        var g = Make(o => new SpaceInvaders(o));
        Array.Clear(g.Aliens);
        g.Aliens[2 * 10 + 0] = true;
        g.AlienCount = 1; g.AlienMoveTimer = 0; g.AlienShotTimer = 50; g.AlienDir = -1;
        g.Act(MinAtarGame.NoOp, out _);
        Assert.True(g.Aliens[3 * 10 + 0]);
        Assert.Equal(1, g.AlienDir);
    }

    [Fact]
    public void SpaceInvadersClearedWaveRespawnsFaster()
    {
        var g = Make(o => new SpaceInvaders(o));
        Array.Clear(g.Aliens);
        g.Aliens[5 * 10 + 6] = true;
        g.AlienCount = 1; g.AlienMoveTimer = 50; g.AlienShotTimer = 50;
        g.FriendlyBullets[6 * 10 + 6] = true;
        Assert.Equal(1, g.Act(MinAtarGame.NoOp, out _));
        Assert.Equal(24, g.AlienCount);
        Assert.Equal(11, g.MoveInterval);
        Assert.Equal(1, g.RampIndex);
    }

    [Fact]
    public void SpaceInvadersEnemyBulletKillsAndNearestAlienShoots()
    {
        var g = Make(o => new SpaceInvaders(o));
        g.Pos = 0; g.AlienMoveTimer = 50; g.AlienShotTimer = 0;
        g.Act(MinAtarGame.NoOp, out bool done);
        Assert.False(done);
        Assert.True(g.EnemyBullets[3 * 10 + 2]); // lowest alien of column 2, nearest to the cannon
        g.EnemyBullets[8 * 10 + 0] = true;
        g.AlienShotTimer = 50;
        g.Act(MinAtarGame.NoOp, out done);
        Assert.True(done);
    }

    // ---- Sticky actions ----

    [Fact]
    public void StickyActionsRepeatThePreviouslyExecutedAction()
    {
        var always = Make(o => new Breakout(o), new EnvironmentOptions { StickyActionProbability = 1 });
        always.Step(MinAtarGame.Right, out _);
        Assert.Equal(MinAtarGame.NoOp, always.LastAction); // the first executed action (no-op) repeats forever
        Assert.Equal(4, always.Paddle);

        var sometimes = Make(o => new Freeway(o), new EnvironmentOptions { StickyActionProbability = 0.1 });
        var rng = Rng.Create(5);
        int repeats = 0, trials = 0;
        for (int i = 0; i < 20000; i++)
        {
            int before = sometimes.LastAction;
            int chosen = (before + 1 + rng.Next(5)) % 6; // always differs from the previous action
            sometimes.Step(chosen, out bool done);
            trials++;
            if (sometimes.LastAction == before) repeats++;
            if (done) sometimes.Reset();
        }
        Assert.InRange(repeats / (double)trials, 0.09, 0.11);
    }
}
