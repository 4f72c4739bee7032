Feature: division
  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result

  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result
