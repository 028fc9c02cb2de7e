using System.Runtime.InteropServices;
using Google.Protobuf;
using Proto = global::Onnx;

namespace VideoMtl.ModelTools;

/// <summary>Reading and writing the values of ONNX TensorProtos (raw_data or typed fields, little-endian).</summary>
internal static class OnnxTensors
{
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Float16 = 10;

    public static float[] ReadFloats(Proto.TensorProto tensor)
    {
        if (tensor.DataType != Float)
        {
            throw new InvalidDataException($"tensor {tensor.Name} is type {tensor.DataType}, expected float");
        }

        return tensor.HasRawData ? ReadRaw<float>(tensor) : [.. tensor.FloatData];
    }

    /// <summary>uint8/int8 values as ints (the quantized weights and their zero points).</summary>
    public static int[] ReadQuantized(Proto.TensorProto tensor)
    {
        bool signed = tensor.DataType switch
        {
            UInt8 => false,
            Int8 => true,
            _ => throw new InvalidDataException($"tensor {tensor.Name} is type {tensor.DataType}, expected uint8 or int8"),
        };
        if (tensor.HasRawData)
        {
            var raw = tensor.RawData.Span;
            var values = new int[raw.Length];
            for (int i = 0; i < raw.Length; i++)
            {
                values[i] = signed ? (sbyte)raw[i] : raw[i];
            }

            return values;
        }

        // Typed storage keeps 8-bit values in int32_data.
        return [.. tensor.Int32Data.Select(v => signed ? (int)(sbyte)v : v & 0xFF)];
    }

    public static long[] ReadInt64s(Proto.TensorProto tensor)
    {
        if (tensor.DataType != Int64)
        {
            throw new InvalidDataException($"tensor {tensor.Name} is type {tensor.DataType}, expected int64");
        }

        return tensor.HasRawData ? ReadRaw<long>(tensor) : [.. tensor.Int64Data];
    }

    public static Proto.TensorProto CreateFloat(string name, IEnumerable<long> dims, ReadOnlySpan<float> values) =>
        CreateRaw(name, Float, dims, values);

    public static Proto.TensorProto CreateInt64(string name, IEnumerable<long> dims, ReadOnlySpan<long> values) =>
        CreateRaw(name, Int64, dims, values);

    /// <summary>A tensor whose raw_data holds <paramref name="values"/> (ONNX raw data is little-endian, as is every platform we run on).</summary>
    public static Proto.TensorProto CreateRaw<T>(string name, int dataType, IEnumerable<long> dims, ReadOnlySpan<T> values)
        where T : unmanaged
    {
        var tensor = new Proto.TensorProto { Name = name, DataType = dataType, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static T[] ReadRaw<T>(Proto.TensorProto tensor)
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(tensor.RawData.Span).ToArray();
}
