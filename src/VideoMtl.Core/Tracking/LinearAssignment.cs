namespace VideoMtl.Core.Tracking;

/// <summary>
/// Optimal one-to-one assignment of rows to columns under a cost limit: the shortest-augmenting-path form of
/// the Hungarian method (as in Jonker–Volgenant), O(n²m) for n ≤ m. Pairs costing more than the limit are
/// never assigned; among the rest the total cost is minimal. Buffers are kept and grown, so solving the same
/// sizes again allocates nothing. Not thread-safe: one per tracker.
/// </summary>
internal sealed class LinearAssignment
{
    /// <summary>Stands for a forbidden pair: larger than any number of real costs (each at most 2) together.</summary>
    private const double Forbidden = 1e6;

    private double[] _cost = [];
    private double[] _rowPotential = [];
    private double[] _columnPotential = [];
    private double[] _slack = [];
    private int[] _columnOwner = [];
    private int[] _previous = [];
    private bool[] _visited = [];

    /// <summary>
    /// Solves <paramref name="rows"/> × <paramref name="columns"/> costs (row-major in <paramref name="costs"/>);
    /// <paramref name="rowToColumn"/>[r] receives the column of row r, or -1.
    /// </summary>
    /// <returns>The number of pairs assigned.</returns>
    public int Solve(ReadOnlySpan<float> costs, int rows, int columns, float limit, Span<int> rowToColumn)
    {
        if (costs.Length < rows * columns || rowToColumn.Length < rows)
        {
            throw new ArgumentException($"need {rows * columns} costs and {rows} results");
        }

        rowToColumn[..rows].Fill(-1);
        if (rows == 0 || columns == 0)
        {
            return 0;
        }

        // The method wants no more rows than columns: solve the transpose when there are more tracks than detections.
        bool transposed = rows > columns;
        int n = transposed ? columns : rows;
        int m = transposed ? rows : columns;
        Reserve(n, m);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                float c = transposed ? costs[(j * columns) + i] : costs[(i * columns) + j];
                _cost[(i * m) + j] = c <= limit ? c : Forbidden;
            }
        }

        Run(n, m);

        int assigned = 0;
        for (int j = 0; j < m; j++)
        {
            int i = _columnOwner[j + 1] - 1;
            if (i < 0 || _cost[(i * m) + j] >= Forbidden)
            {
                continue;
            }

            if (transposed)
            {
                rowToColumn[j] = i;
            }
            else
            {
                rowToColumn[i] = j;
            }

            assigned++;
        }

        return assigned;
    }

    /// <summary>
    /// Rows are added one at a time; each grows a tree of tight edges (reduced cost 0 under the potentials) from
    /// a free row until it reaches a free column, raising the potentials by the smallest slack whenever the tree
    /// cannot grow, then flips the path. Index 0 of the column arrays is a virtual column holding the new row.
    /// </summary>
    private void Run(int n, int m)
    {
        Array.Clear(_rowPotential, 0, n + 1);
        Array.Clear(_columnPotential, 0, m + 1);
        Array.Clear(_columnOwner, 0, m + 1);
        for (int row = 1; row <= n; row++)
        {
            _columnOwner[0] = row;
            int column = 0;
            Array.Fill(_slack, double.PositiveInfinity, 0, m + 1);
            Array.Clear(_visited, 0, m + 1);
            do
            {
                _visited[column] = true;
                int owner = _columnOwner[column];
                double delta = double.PositiveInfinity;
                int next = 0;
                for (int j = 1; j <= m; j++)
                {
                    if (_visited[j])
                    {
                        continue;
                    }

                    double reduced = _cost[((owner - 1) * m) + (j - 1)] - _rowPotential[owner] - _columnPotential[j];
                    if (reduced < _slack[j])
                    {
                        _slack[j] = reduced;
                        _previous[j] = column;
                    }

                    if (_slack[j] < delta)
                    {
                        delta = _slack[j];
                        next = j;
                    }
                }

                for (int j = 0; j <= m; j++)
                {
                    if (_visited[j])
                    {
                        _rowPotential[_columnOwner[j]] += delta;
                        _columnPotential[j] -= delta;
                    }
                    else
                    {
                        _slack[j] -= delta;
                    }
                }

                column = next;
            }
            while (_columnOwner[column] != 0);

            // Flip the augmenting path back to the virtual column.
            do
            {
                int before = _previous[column];
                _columnOwner[column] = _columnOwner[before];
                column = before;
            }
            while (column != 0);
        }
    }

    private void Reserve(int n, int m)
    {
        if (_cost.Length < n * m)
        {
            _cost = new double[Math.Max(n * m, 2 * _cost.Length)];
        }

        if (_columnOwner.Length < m + 1)
        {
            int size = Math.Max(m + 1, 2 * _columnOwner.Length);
            _columnPotential = new double[size];
            _slack = new double[size];
            _columnOwner = new int[size];
            _previous = new int[size];
            _visited = new bool[size];
        }

        if (_rowPotential.Length < n + 1)
        {
            _rowPotential = new double[Math.Max(n + 1, 2 * _rowPotential.Length)];
        }
    }
}
