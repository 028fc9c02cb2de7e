namespace VideoMtl.Core.Tracking;

/// <summary>
/// A constant-velocity Kalman filter over a box's centre, width and height. With a diagonal measurement noise
/// and the same motion model on each coordinate, the four coordinates never correlate, so the 8-state filter
/// is exactly four independent 2-state (position, velocity) filters: a few multiplications each, no matrices,
/// no allocation. Velocities are per second; <see cref="Predict"/> steps by the time between frames, so a
/// dropped frame is a longer step rather than a missed one. Noise scales with the box's height, so a far,
/// small person and a near, large one are followed alike.
/// </summary>
internal struct BoxKalmanFilter
{
    /// <summary>Measurement noise: a detector's box edge wanders by about 5% of the object's height.</summary>
    private const float MeasurementSigma = 0.05f;

    /// <summary>Initial velocity uncertainty, in heights per second: a new object may move at walking pace in any direction.</summary>
    private const float InitialVelocitySigma = 1.5f;

    private Coordinate _cx;
    private Coordinate _cy;
    private Coordinate _w;
    private Coordinate _h;

    public readonly float CenterX => _cx.Position;

    public readonly float CenterY => _cy.Position;

    public readonly float Width => MathF.Max(1, _w.Position);

    public readonly float Height => MathF.Max(1, _h.Position);

    public readonly (float X1, float Y1, float X2, float Y2) Box =>
        (CenterX - (Width / 2), CenterY - (Height / 2), CenterX + (Width / 2), CenterY + (Height / 2));

    public void Start(float x1, float y1, float x2, float y2)
    {
        float h = MathF.Max(1, y2 - y1);
        float position = 2 * MeasurementSigma * h;
        float velocity = InitialVelocitySigma * h;
        _cx = new Coordinate((x1 + x2) / 2, position, velocity);
        _cy = new Coordinate((y1 + y2) / 2, position, velocity);
        _w = new Coordinate(x2 - x1, position, velocity);
        _h = new Coordinate(y2 - y1, position, velocity);
    }

    /// <param name="seconds">Time since the last step (0 or more).</param>
    /// <param name="acceleration">Standard deviation of acceleration in heights per second squared.</param>
    public void Predict(float seconds, float acceleration)
    {
        if (seconds <= 0)
        {
            return;
        }

        float a = acceleration * Height;
        float q = a * a;
        _cx.Predict(seconds, q);
        _cy.Predict(seconds, q);
        // Sizes change far more slowly than positions move.
        _w.Predict(seconds, q / 4);
        _h.Predict(seconds, q / 4);
    }

    public void Correct(float x1, float y1, float x2, float y2)
    {
        float sigma = MeasurementSigma * MathF.Max(1, y2 - y1);
        float r = sigma * sigma;
        _cx.Correct((x1 + x2) / 2, r);
        _cy.Correct((y1 + y2) / 2, r);
        _w.Correct(x2 - x1, r);
        _h.Correct(y2 - y1, r);
    }

    /// <summary>
    /// Forgets the motion (keeps the position): used when a lost track has coasted for a while, so a long gap
    /// does not fling its prediction across the frame.
    /// </summary>
    public void StopMoving()
    {
        _cx.StopMoving();
        _cy.StopMoving();
        _w.StopMoving();
        _h.StopMoving();
    }

    /// <summary>One coordinate's position and velocity with their 2×2 covariance (p00, p01, p11).</summary>
    private struct Coordinate(float position, float positionSigma, float velocitySigma)
    {
        public float Position = position;
        private float _velocity;
        private float _p00 = positionSigma * positionSigma;
        private float _p01;
        private float _p11 = velocitySigma * velocitySigma;

        /// <summary>x ← F x, P ← F P Fᵀ + Q for a white-noise acceleration of spectral density <paramref name="q"/>.</summary>
        public void Predict(float dt, float q)
        {
            Position += _velocity * dt;
            float dt2 = dt * dt;
            _p00 += (2 * dt * _p01) + (dt2 * _p11) + (q * dt2 * dt / 3);
            _p01 += (dt * _p11) + (q * dt2 / 2);
            _p11 += q * dt;
        }

        /// <summary>The standard update with a position measurement of variance <paramref name="r"/>.</summary>
        public void Correct(float measured, float r)
        {
            float s = _p00 + r;
            float k0 = _p00 / s;
            float k1 = _p01 / s;
            float innovation = measured - Position;
            Position += k0 * innovation;
            _velocity += k1 * innovation;
            // (I - K H) P, written out; p11 first since it reads the old p01.
            _p11 -= k1 * _p01;
            _p01 -= k0 * _p01;
            _p00 -= k0 * _p00;
        }

        public void StopMoving()
        {
            _velocity = 0;
            _p01 = 0;
        }
    }
}
