Feature: division
  Scenario: halving
    Given a number
    When it is divided by 2
    Then there is a result

  Scenario: quoting the URL
    Given the URL is printed
    When it is divided by 2
    Then the URL is quoted in the error
