namespace Platform.Data.MetaNetworks;

/// <summary>What a parameter does in the meta-network; used for initialisation and documentation.</summary>
public enum ParameterRole { Weight, Bias }

/// <summary>One named meta-network array: its key in the .npz (Haiku module path) and its shape.</summary>
public sealed record MetaParameterSpec(string Name, long[] Shape, double InitStddev)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
    public ParameterRole Role => Name.EndsWith("/b", StringComparison.Ordinal) ? ParameterRole.Bias : ParameterRole.Weight;
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// Sizes of the Disco103 meta-network (the reference's `get_settings_disco`), and the table of
/// every array it owns, named as Haiku names them in the released .npz (names follow module
/// creation order: mlp, mlp_1, sequential, lstm, linear, linear_1, …).
/// Weights are [in, out]; 1×1 convolutions are [1, in, out].
/// </summary>
public sealed record DiscoArchitecture(
    int PredictionSize = 600,        // y and z width
    int HiddenSize = 256,            // per-trajectory LSTM
    int EmbeddingHidden = 16,        // y/z embedding MLPs 600 → 16 → 1
    int PolicyChannels1 = 16,        // per-action "conv" blocks 9 → 16 → 2
    int PolicyChannels2 = 2,
    int PolicyTargetChannels = 16,   // pi head block (H + 2) → 16 → 1
    int MetaHiddenSize = 128,        // lifetime meta-RNN
    int MetaEmbeddingSize = 16)      // meta-RNN input embedding 29 → 16
{
    public static DiscoArchitecture Disco103 { get; } = new();

    /// <summary>Per-step scalar features (selected-action probabilities, reward, discount, values, y/z embeddings…).</summary>
    public const int BaseFeatureCount = 23;

    /// <summary>Per-action channels fed to the action-conditional blocks.</summary>
    public const int ActionChannelCount = 9;

    /// <summary>LSTM input width: base features + mean and taken-action values of the per-action embedding.</summary>
    public int MetaInputSize => BaseFeatureCount + 2 * PolicyChannels2;

    public const string Main = "lstm/";
    public const string MetaRnn = "lstm/~/meta_lstm/~unroll/";

    // Main network.
    public const string YNet0 = Main + "mlp/~/linear_0", YNet1 = Main + "mlp/~/linear_1";
    public const string ZNet0 = Main + "mlp_1/~/linear_0", ZNet1 = Main + "mlp_1/~/linear_1";
    public const string PolicyConv0 = Main + "sequential/conv1_d", PolicyConv1 = Main + "sequential/conv1_d_1";
    public const string TrajectoryLstm = Main + "lstm/linear";
    public const string Modulation = Main + "linear";
    public const string MetaInputEmbHead = Main + "linear_1";
    public const string YHead = Main + "linear_2", ZHead = Main + "linear_3";
    public const string PiConv = Main + "sequential_1/conv1_d", PiHead = Main + "linear_4";
    /// <summary>The ReLU blocks through which π̂ can tell actions apart: the per-action blocks and the π̂ block.</summary>
    public static readonly IReadOnlyList<string> PolicyActionPathway = [PolicyConv0, PolicyConv1, PiConv];

    // Meta-RNN (its own copies of the input networks).
    public const string MetaYNet0 = MetaRnn + "mlp/~/linear_0", MetaYNet1 = MetaRnn + "mlp/~/linear_1";
    public const string MetaZNet0 = MetaRnn + "mlp_1/~/linear_0", MetaZNet1 = MetaRnn + "mlp_1/~/linear_1";
    public const string MetaPolicyConv0 = MetaRnn + "sequential/conv1_d", MetaPolicyConv1 = MetaRnn + "sequential/conv1_d_1";
    public const string MetaEmbedding = MetaRnn + "mlp_2/~/linear_0";
    public const string MetaLstm = MetaRnn + "lstm/linear";

    /// <summary>Every array of the meta-network, in the order of the released file.</summary>
    public IReadOnlyList<MetaParameterSpec> Parameters()
    {
        int p = PredictionSize, h = HiddenSize, e = EmbeddingHidden, c1 = PolicyChannels1, c2 = PolicyChannels2;
        int pt = PolicyTargetChannels, mh = MetaHiddenSize, me = MetaEmbeddingSize, x = MetaInputSize;
        var list = new List<MetaParameterSpec>();
        // Haiku's default Linear init is a truncated normal of stddev 1/√fan_in; the reference
        // config overrides the output heads (0.3) and the modulation layer (1.0).
        void Linear(string name, int fanIn, int fanOut, double? stddev = null)
        {
            list.Add(new(name + "/b", [fanOut], 0));
            list.Add(new(name + "/w", [fanIn, fanOut], stddev ?? 1 / Math.Sqrt(fanIn)));
        }
        void Conv(string name, int fanIn, int fanOut)
        {
            list.Add(new(name + "/b", [fanOut], 0));
            list.Add(new(name + "/w", [1, fanIn, fanOut], 1 / Math.Sqrt(fanIn)));
        }
        Linear(Modulation, mh, h, 1.0);
        Linear(MetaInputEmbHead, h, 1, 0.3);
        Linear(YHead, h, p, 0.3);
        Linear(ZHead, h, p, 0.3);
        Linear(PiHead, pt, 1, 0.3);
        Linear(TrajectoryLstm, x + h, 4 * h);
        Linear(YNet0, p, e); Linear(YNet1, e, 1);
        Linear(ZNet0, p, e); Linear(ZNet1, e, 1);
        Conv(PolicyConv0, 2 * ActionChannelCount, c1); Conv(PolicyConv1, 2 * c1, c2);
        Conv(PiConv, 2 * (h + c2), pt);
        Linear(MetaLstm, me + mh, 4 * mh);
        Linear(MetaYNet0, p, e); Linear(MetaYNet1, e, 1);
        Linear(MetaZNet0, p, e); Linear(MetaZNet1, e, 1);
        Linear(MetaEmbedding, x + 2, me);
        Conv(MetaPolicyConv0, 2 * ActionChannelCount, c1); Conv(MetaPolicyConv1, 2 * c1, c2);
        return list;
    }
}
