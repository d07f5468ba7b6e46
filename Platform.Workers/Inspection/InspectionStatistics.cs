using static TorchSharp.torch;

namespace Platform.Workers.Inspection;

/// <summary>The inspector's statistics on plain arrays: correlation, sign agreement, principal components, ridge probes.</summary>
public static class InspectionStatistics
{
    /// <summary>Pearson correlation; null when either side is constant or there are fewer than 3 pairs.</summary>
    public static double? Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        if (n < 3 || y.Count != n) return null;
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy;
        }
        return sxx <= 0 || syy <= 0 ? null : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Share of pairs with the same sign, among pairs where neither is zero; null when there are none.</summary>
    public static double? SignAgreement(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int same = 0, counted = 0;
        for (int i = 0; i < x.Count; i++)
        {
            if (x[i] == 0 || y[i] == 0) continue;
            counted++;
            if (Math.Sign(x[i]) == Math.Sign(y[i])) same++;
        }
        return counted == 0 ? null : (double)same / counted;
    }

    /// <summary>
    /// The first <paramref name="k"/> principal-component scores of the rows [N, D] (centred; float64 eigen-decomposition of
    /// the D×D covariance), largest variance first; the sign of each component fixed so its largest loading is positive.
    /// </summary>
    public static double[][] PrincipalScores(IReadOnlyList<float[]> rows, int k)
    {
        int n = rows.Count, d = rows[0].Length;
        k = Math.Min(k, Math.Min(n, d));
        using var scope = NewDisposeScope();
        var flat = new double[(long)n * d];
        for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) flat[(long)i * d + j] = rows[i][j];
        var x = tensor(flat, [n, d], dtype: ScalarType.Float64);                          // [N, D]
        x = x - x.mean([0], keepdim: true);
        var cov = x.T.matmul(x) / Math.Max(1, n - 1);                                      // [D, D]
        var (_, vectors) = linalg.eigh(cov);                                               // ascending eigenvalues
        var top = vectors.narrow(1, d - k, k).flip(1);                                     // [D, k]
        var signs = top.gather(0, top.abs().argmax(0, keepdim: true)).sign();             // [1, k]
        var scores = x.matmul(top * signs).contiguous().data<double>().ToArray();          // [N, k]
        return Enumerable.Range(0, n).Select(i => scores.AsSpan(i * k, k).ToArray()).ToArray();
    }

    /// <summary>
    /// R² on the held-out rows of a ridge regression (intercept unpenalised) of <paramref name="target"/> on
    /// <paramref name="features"/> fitted on the other rows; null when either side has fewer than 2 rows or the held-out
    /// target is constant.
    /// </summary>
    public static double? HeldOutR2(IReadOnlyList<double[]> features, IReadOnlyList<double> target, IReadOnlyList<bool> heldOut, double ridge = 1e-3)
    {
        var train = Enumerable.Range(0, target.Count).Where(i => !heldOut[i]).ToList();
        var test = Enumerable.Range(0, target.Count).Where(i => heldOut[i]).ToList();
        if (train.Count < 2 || test.Count < 2) return null;
        int k = features[0].Length, p = k + 1;
        // Normal equations on [1, x]: (XᵀX + λ·tr/k·I') w = Xᵀy, λ scaled by the features' mean variance.
        var xtx = new double[p, p];
        var xty = new double[p];
        foreach (var i in train)
        {
            for (int a = 0; a < p; a++)
            {
                double xa = a == 0 ? 1 : features[i][a - 1];
                xty[a] += xa * target[i];
                for (int b = 0; b < p; b++) xtx[a, b] += xa * (b == 0 ? 1 : features[i][b - 1]);
            }
        }
        double trace = 0;
        for (int a = 1; a < p; a++) trace += xtx[a, a];
        for (int a = 1; a < p; a++) xtx[a, a] += ridge * Math.Max(trace / Math.Max(1, k), 1e-12);
        var w = Solve(xtx, xty);
        double mean = test.Average(i => target[i]), sse = 0, sst = 0;
        foreach (var i in test)
        {
            double pred = w[0];
            for (int a = 1; a < p; a++) pred += w[a] * features[i][a - 1];
            sse += (target[i] - pred) * (target[i] - pred);
            sst += (target[i] - mean) * (target[i] - mean);
        }
        return sst <= 1e-12 ? null : 1 - sse / sst;
    }

    /// <summary>Gaussian elimination with partial pivoting on a small symmetric positive-definite system.</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            if (pivot != c)
            {
                for (int j = 0; j < n; j++) (m[c, j], m[pivot, j]) = (m[pivot, j], m[c, j]);
                (x[c], x[pivot]) = (x[pivot], x[c]);
            }
            if (Math.Abs(m[c, c]) < 1e-300) continue;
            for (int r = c + 1; r < n; r++)
            {
                double f = m[r, c] / m[c, c];
                if (f == 0) continue;
                for (int j = c; j < n; j++) m[r, j] -= f * m[c, j];
                x[r] -= f * x[c];
            }
        }
        var w = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            double s = x[r];
            for (int j = r + 1; j < n; j++) s -= m[r, j] * w[j];
            w[r] = Math.Abs(m[r, r]) < 1e-300 ? 0 : s / m[r, r];
        }
        return w;
    }
}
