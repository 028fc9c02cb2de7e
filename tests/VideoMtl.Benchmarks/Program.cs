using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(VideoMtl.Benchmarks.HostWorkBenchmarks).Assembly).Run(args);
