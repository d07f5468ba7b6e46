using System.Globalization;

namespace Platform.Data.Npz;

/// <summary>
/// The parsed header dict of a .npy file: {'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }.
/// The dict is a Python literal; this is a small strict parser for the subset numpy writes
/// (strings, integers, True/False/None, tuples and lists), not an evaluator.
/// </summary>
internal sealed record NpyHeader(NpyDType DType, bool BigEndian, bool FortranOrder, long[] Shape)
{
    private const int MaxNesting = 16;

    public static NpyHeader Parse(string text, string? name)
    {
        var p = new Parser(text, name);
        var dict = p.ParseDict();
        p.SkipWhitespace();
        if (p.Pos != text.Length)
            throw p.Fail($"unexpected text after the header dict at offset {p.Pos}: '{Excerpt(text, p.Pos)}'");

        foreach (var key in dict.Keys)
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw new NpyFormatException(name, $"header has unknown key '{key}'");
        foreach (var key in new[] { "descr", "fortran_order", "shape" })
            if (!dict.ContainsKey(key))
                throw new NpyFormatException(name, $"header is missing key '{key}'");

        var descr = dict["descr"];
        if (descr.Kind != Kind.Str || !NpyDTypes.TryParseDescr(descr.Str!, out var dtype, out bool big))
            throw new NpyFormatException(name, $"unsupported dtype '{(descr.Kind == Kind.Str ? descr.Str : descr.Source)}' " +
                "(supported: '<f4', '<f8', '<i4', '<i8', '|b1', '|u1' and their '>'/'=' byte-order variants)");

        var fo = dict["fortran_order"];
        if (fo.Kind != Kind.Bool)
            throw new NpyFormatException(name, $"'fortran_order' must be True or False, got '{fo.Source}'");

        var shapeValue = dict["shape"];
        if (shapeValue.Kind != Kind.Tuple)
            throw new NpyFormatException(name, $"'shape' must be a tuple of integers, got '{shapeValue.Source}'");
        var items = shapeValue.Items!;
        if (items.Count > NpyArray.MaxDimensions)
            throw new NpyFormatException(name, $"shape has {items.Count} dimensions; at most {NpyArray.MaxDimensions} are supported");
        var shape = new long[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            var it = items[i];
            if (it.Kind != Kind.Int)
                throw new NpyFormatException(name, $"'shape' must be a tuple of integers, got '{shapeValue.Source}'");
            if (it.Int < 0)
                throw new NpyFormatException(name, $"shape {shapeValue.Source} has a negative dimension");
            shape[i] = it.Int;
        }
        return new NpyHeader(dtype, big, fo.Bool, shape);
    }

    private static string Excerpt(string text, int pos)
    {
        var s = text.Substring(pos, Math.Min(40, text.Length - pos));
        return s.Replace("\n", "\\n").Replace("\r", "\\r");
    }

    private enum Kind { Str, Int, Bool, None, Tuple, List }

    private sealed class Value
    {
        public Kind Kind;
        public string? Str;
        public long Int;
        public bool Bool;
        public List<Value>? Items;
        public string Source = "";
    }

    private sealed class Parser(string text, string? name)
    {
        public int Pos;

        public NpyFormatException Fail(string problem) => new(name, "malformed header: " + problem);

        public void SkipWhitespace()
        {
            while (Pos < text.Length && text[Pos] is ' ' or '\t' or '\n' or '\r') Pos++;
        }

        private char Peek() => Pos < text.Length ? text[Pos] : '\0';

        private void Expect(char c)
        {
            SkipWhitespace();
            if (Peek() != c)
                throw Fail(Pos < text.Length
                    ? $"expected '{c}' at offset {Pos} but found '{Excerpt(text, Pos)}'"
                    : $"expected '{c}' but the header ended");
            Pos++;
        }

        public Dictionary<string, Value> ParseDict()
        {
            var dict = new Dictionary<string, Value>(StringComparer.Ordinal);
            Expect('{');
            SkipWhitespace();
            while (Peek() != '}')
            {
                SkipWhitespace();
                int keyAt = Pos;
                var key = ParseValue(0);
                if (key.Kind != Kind.Str) throw Fail($"dict key at offset {keyAt} is not a string: '{key.Source}'");
                Expect(':');
                var value = ParseValue(0);
                if (!dict.TryAdd(key.Str!, value)) throw Fail($"duplicate key '{key.Str}'");
                SkipWhitespace();
                if (Peek() == ',') { Pos++; SkipWhitespace(); }
                else if (Peek() != '}') throw Fail(Pos < text.Length
                    ? $"expected ',' or '}}' at offset {Pos} but found '{Excerpt(text, Pos)}'"
                    : "the dict is not closed");
            }
            Pos++;
            return dict;
        }

        private Value ParseValue(int depth)
        {
            if (depth > MaxNesting) throw Fail("values nested too deeply");
            SkipWhitespace();
            int start = Pos;
            var v = Peek() switch
            {
                '\'' or '"' => new Value { Kind = Kind.Str, Str = ParseString() },
                '(' => ParseSequence('(', ')', depth),
                '[' => ParseSequence('[', ']', depth),
                '-' or (>= '0' and <= '9') => new Value { Kind = Kind.Int, Int = ParseInt() },
                _ => ParseName(),
            };
            v.Source = text[start..Pos];
            return v;
        }

        private Value ParseName()
        {
            int start = Pos;
            while (Pos < text.Length && char.IsAsciiLetter(text[Pos])) Pos++;
            return text[start..Pos] switch
            {
                "True" => new Value { Kind = Kind.Bool, Bool = true },
                "False" => new Value { Kind = Kind.Bool, Bool = false },
                "None" => new Value { Kind = Kind.None },
                _ => throw Fail(start < text.Length
                    ? $"unexpected text at offset {start}: '{Excerpt(text, start)}'"
                    : "the header ended where a value was expected"),
            };
        }

        private long ParseInt()
        {
            int start = Pos;
            if (Peek() == '-') Pos++;
            int digitsAt = Pos;
            while (Pos < text.Length && char.IsAsciiDigit(text[Pos])) Pos++;
            if (Pos == digitsAt) throw Fail($"malformed number at offset {start}");
            if (Pos < text.Length && (char.IsAsciiLetter(text[Pos]) || text[Pos] is '.' or '_'))
                throw Fail($"malformed number at offset {start}: '{Excerpt(text, start)}'");
            var digits = text.AsSpan(start, Pos - start);
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
                throw new NpyFormatException(name, $"header number '{digits}' is too large");
            return value;
        }

        private string ParseString()
        {
            char quote = text[Pos++];
            var sb = new System.Text.StringBuilder();
            while (true)
            {
                if (Pos >= text.Length) throw Fail("unterminated string");
                char c = text[Pos++];
                if (c == quote) return sb.ToString();
                if (c is '\n' or '\r') throw Fail("line break inside a string");
                if (c == '\\')
                {
                    if (Pos >= text.Length) throw Fail("unterminated string");
                    char e = text[Pos++];
                    sb.Append(e switch
                    {
                        '\\' => '\\',
                        '\'' => '\'',
                        '"' => '"',
                        'n' => '\n',
                        't' => '\t',
                        _ => throw Fail($"unsupported escape '\\{e}' in a string"),
                    });
                }
                else sb.Append(c);
            }
        }

        private Value ParseSequence(char open, char close, int depth)
        {
            Pos++; // open
            var items = new List<Value>();
            bool sawComma = false;
            SkipWhitespace();
            while (Peek() != close)
            {
                items.Add(ParseValue(depth + 1));
                SkipWhitespace();
                if (Peek() == ',') { Pos++; sawComma = true; SkipWhitespace(); }
                else if (Peek() != close) throw Fail(Pos < text.Length
                    ? $"expected ',' or '{close}' at offset {Pos} but found '{Excerpt(text, Pos)}'"
                    : $"'{open}' is not closed");
            }
            Pos++; // close
            // (5) is just 5 in Python; only (5,) is a one-element tuple.
            if (open == '(' && items.Count == 1 && !sawComma) return items[0];
            return new Value { Kind = open == '(' ? Kind.Tuple : Kind.List, Items = items };
        }
    }
}
