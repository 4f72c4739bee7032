Feature: division
  Scenario Outline: halving
    Given a number
    When it is divided by <divisor>
    Then there is a result

    Examples:
      | dividend |
      | 4        |
