namespace VideoMtl.ModelTools;

/// <summary>Per composite output: how far it is from the standalone float head and from the original source.</summary>
/// <param name="MaxDiffToFloatHead">Max |composite − dequantized standalone head| (must be tiny).</param>
/// <param name="MaxDiffToSource">Max |composite − original (quantized) source| (the cost of dequantizing, for information).</param>
/// <param name="MaxDiffBatchVsSingle">Max |batch-of-4 result − the same 4 images run one by one|.</param>
/// <param name="MaxDiffFloat16">With --fp16: max |float16 model − float32 model|; null otherwise.</param>
public sealed record HeadVerification(string Output, double MaxDiffToFloatHead, double MaxDiffToSource, double MaxDiffBatchVsSingle, double? MaxDiffFloat16 = null);
