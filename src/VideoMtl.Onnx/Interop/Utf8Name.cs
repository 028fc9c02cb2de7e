using System.Runtime.InteropServices;
using System.Text;

namespace VideoMtl.Onnx.Interop;

/// <summary>
/// A NUL-terminated UTF-8 copy of a string in native memory, made once and reused for every call
/// (input/output names are passed on every Run; marshalling them per call would allocate).
/// </summary>
internal sealed unsafe class Utf8Name : IDisposable
{
    public Utf8Name(string value)
    {
        Value = value;
        int length = Encoding.UTF8.GetByteCount(value);
        Pointer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(value, new Span<byte>(Pointer, length));
        Pointer[length] = 0;
    }

    ~Utf8Name() => Free();

    public string Value { get; }

    public byte* Pointer { get; private set; }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (Pointer != null)
        {
            NativeMemory.Free(Pointer);
            Pointer = null;
        }
    }
}
