using VideoMtl.Core.Tracking;

namespace VideoMtl.Core.Tests.Tracking;

public sealed class LinearAssignmentTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 3)]
    [InlineData(2, 5)]
    [InlineData(5, 2)]
    [InlineData(6, 6)]
    public void Matches_the_best_assignment_found_by_trying_every_one(int rows, int columns)
    {
        var random = new Random((rows * 31) + columns);
        var solver = new LinearAssignment();
        for (int trial = 0; trial < 40; trial++)
        {
            var costs = new float[rows * columns];
            for (int i = 0; i < costs.Length; i++)
            {
                costs[i] = (float)random.NextDouble();
            }

            const float limit = 0.7f;
            var result = new int[rows];
            int assigned = solver.Solve(costs, rows, columns, limit, result);

            var (bestCount, bestCost) = BruteForce(costs, rows, columns, limit);
            Assert.Equal(bestCount, assigned);
            float total = 0;
            var usedColumns = new HashSet<int>();
            for (int r = 0; r < rows; r++)
            {
                if (result[r] >= 0)
                {
                    Assert.True(usedColumns.Add(result[r]), "a column was given twice");
                    Assert.True(costs[(r * columns) + result[r]] <= limit, "a pair above the limit was assigned");
                    total += costs[(r * columns) + result[r]];
                }
            }

            Assert.Equal(bestCost, total, 4);
        }
    }

    [Fact]
    public void Nothing_under_the_limit_assigns_nothing()
    {
        var result = new int[2];
        Assert.Equal(0, new LinearAssignment().Solve([0.9f, 0.95f, 0.99f, 1f], 2, 2, 0.8f, result));
        Assert.Equal([-1, -1], result);
    }

    /// <summary>Most pairs under the limit, then least total cost among those: what the solver promises.</summary>
    private static (int Count, float Cost) BruteForce(float[] costs, int rows, int columns, float limit)
    {
        (int Count, float Cost) best = (0, 0);
        var used = new bool[columns];
        void Visit(int row, int count, float cost)
        {
            if (row == rows)
            {
                if (count > best.Count || (count == best.Count && cost < best.Cost))
                {
                    best = (count, cost);
                }

                return;
            }

            Visit(row + 1, count, cost); // this row unassigned
            for (int c = 0; c < columns; c++)
            {
                float v = costs[(row * columns) + c];
                if (!used[c] && v <= limit)
                {
                    used[c] = true;
                    Visit(row + 1, count + 1, cost + v);
                    used[c] = false;
                }
            }
        }

        Visit(0, 0, 0);
        return best;
    }
}
